"""The consent texts in the other languages audiences.toml declares, as published text.

Why here and not in a gettext catalogue: a consent text is a legal record. The consent
ledger keeps the version and the SHA-256 of exactly what a person was shown; a
translator editing a ``.po`` file would change that text under the same version without
anyone noticing. So each translation is a published text of its own, with its own
version (``<Swedish version>-<language>``), pinned by ``tests/subscribers`` like the
Swedish ones: a better wording is a new version, never an edit.

Each entry translates one Swedish version (``texts.TEXTS``) paragraph by paragraph.
The translations are ours and need a translator's review before they are relied on
(docs/languages.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

# (Swedish version, language) -> (title, paragraphs)
Translation = tuple[str, tuple[str, ...]]

_EN_CONTROLLER = (
    "Österåker Municipality (Österåkers kommun) is the data controller for the list of "
    "subscribers. The newsletter is published together with the Swedish Police (Polisen), "
    "local police area Södra Roslagen."
)
_EN_KEEP = (
    "We store your email address, the audiences, topics and language you choose, and when "
    "and how you signed up, confirmed and changed your choices. We do not ask for any "
    "information about children. The information is used only to send the newsletter and "
    "is not disclosed for any other purpose. The list and the mailings are official "
    "documents (allmänna handlingar)."
)
_EN_RIGHTS = (
    "Every newsletter has a link where you can change your choices, pause the mailings, end "
    "your subscription, see and download everything we have stored about you, and delete "
    "it. Sign-ups that are never confirmed are deleted automatically."
)

_AR_CONTROLLER = (
    "بلدية أوستراكر (Österåkers kommun) هي الجهة المسؤولة عن البيانات الشخصية في قائمة "
    "المشتركين. تصدر النشرة الإخبارية بالتعاون مع الشرطة السويدية (Polisen)، منطقة الشرطة "
    "المحلية Södra Roslagen."
)
_AR_KEEP = (
    "نحفظ عنوان بريدك الإلكتروني، والفئات والمواضيع واللغة التي تختارها، ومتى وكيف سجّلت "
    "وأكّدت وغيّرت اختياراتك. لا نطلب أي معلومات عن الأطفال. تُستخدم المعلومات فقط لإرسال "
    "النشرة الإخبارية ولا تُعطى لأي غرض آخر. القائمة والرسائل المرسلة وثائق عامة "
    "(allmänna handlingar)."
)
_AR_RIGHTS = (
    "في كل نشرة إخبارية رابط يمكنك من خلاله تغيير اختياراتك، وإيقاف الإرسال مؤقتاً، وإنهاء "
    "الاشتراك، والاطلاع على كل ما حفظناه عنك وتنزيله وحذفه. تُحذف تلقائياً التسجيلات التي لا "
    "يتم تأكيدها."
)

_SO_CONTROLLER = (
    "Degmada Österåker (Österåkers kommun) ayaa mas'uul ka ah xogta shakhsiyeed ee liiska "
    "macaamiisha. Warsidaha waxaa si wadajir ah u soo saara Degmada iyo Booliska Iswiidhan "
    "(Polisen), aagga booliska deegaanka Södra Roslagen."
)
_SO_KEEP = (
    "Waxaan kaydinnaa cinwaanka iimaylkaaga, kooxaha, mowduucyada iyo luqadda aad doorato, "
    "iyo goorta iyo sida aad isu diiwaangelisay, u xaqiijisay oo aad u beddeshay "
    "doorashooyinkaaga. Ma weydiinno wax xog ah oo ku saabsan carruurta. Xogta waxaa loo "
    "isticmaalaa oo keliya in warsidaha la diro, loomana bixiyo ujeeddo kale. Liiska iyo "
    "waxyaabaha la diro waa dukumentiyo dadweyne (allmänna handlingar)."
)
_SO_RIGHTS = (
    "Warsid kasta wuxuu leeyahay xiriiriye aad ku beddeli karto doorashooyinkaaga, ku "
    "hakin karto dirista, ku joojin karto rukunka, ku arki karto oo ku soo degsan karto wax "
    "kasta oo aan kaa kaydinnay, kana tirtiri karto. Is-diiwaangelinta aan weligeed la "
    "xaqiijin si toos ah ayaa loo tirtiraa."
)

TRANSLATIONS: Mapping[tuple[str, str], Translation] = MappingProxyType(
    {
        ("consent-1", "en"): (
            "Consent to the Trygg i Österåker newsletter",
            (
                "When you confirm your sign-up, you consent to receiving the Trygg i Österåker "
                "newsletter by email, about the audiences and topics you have chosen.",
                _EN_CONTROLLER,
                _EN_KEEP,
                _EN_RIGHTS + " You can withdraw your consent at any time by ending your "
                "subscription.",
            ),
        ),
        ("public-task-1", "en"): (
            "How we handle your information in the Trygg i Österåker newsletter",
            (
                "The newsletter is part of the municipality's and the Police's crime "
                "prevention work. We process your information to perform a task carried out "
                "in the public interest: informing residents about safety and crime "
                "prevention in Österåker.",
                _EN_CONTROLLER,
                _EN_KEEP,
                _EN_RIGHTS,
            ),
        ),
        ("consent-1", "ar"): (
            "الموافقة على النشرة الإخبارية Trygg i Österåker",
            (
                "عندما تؤكد تسجيلك، فإنك توافق على تلقي النشرة الإخبارية Trygg i Österåker "
                "عبر البريد الإلكتروني، حول الفئات والمواضيع التي اخترتها.",
                _AR_CONTROLLER,
                _AR_KEEP,
                _AR_RIGHTS + " يمكنك سحب موافقتك في أي وقت بإنهاء اشتراكك.",
            ),
        ),
        ("public-task-1", "ar"): (
            "كيف نتعامل مع معلوماتك في النشرة الإخبارية Trygg i Österåker",
            (
                "النشرة الإخبارية جزء من عمل البلدية والشرطة في منع الجريمة. نعالج معلوماتك "
                "لأداء مهمة تحقق المصلحة العامة: إعلام السكان بشؤون الأمان ومنع الجريمة في "
                "أوستراكر.",
                _AR_CONTROLLER,
                _AR_KEEP,
                _AR_RIGHTS,
            ),
        ),
        ("consent-1", "so"): (
            "Oggolaanshaha warsidaha Trygg i Österåker",
            (
                "Markaad xaqiijiso is-diiwaangelintaada, waxaad oggolaanaysaa inaad iimayl "
                "ahaan u hesho warsidaha Trygg i Österåker, oo ku saabsan kooxaha iyo "
                "mowduucyada aad dooratay.",
                _SO_CONTROLLER,
                _SO_KEEP,
                _SO_RIGHTS + " Waqti kasta waad ka noqon kartaa oggolaanshahaaga adigoo "
                "joojinaya rukunka.",
            ),
        ),
        ("public-task-1", "so"): (
            "Sida aan u maareyno xogtaada warsidaha Trygg i Österåker",
            (
                "Warsidaha wuxuu qayb ka yahay shaqada ka hortagga dambiyada ee degmada iyo "
                "Booliska. Waxaan u maareynaa xogtaada si aan u gudanno hawl dan guud ah: in "
                "dadka deegaanka la siiyo war ku saabsan badbaadada iyo ka hortagga dambiyada "
                "ee Österåker.",
                _SO_CONTROLLER,
                _SO_KEEP,
                _SO_RIGHTS,
            ),
        ),
    }
)
