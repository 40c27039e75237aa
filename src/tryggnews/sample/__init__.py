"""Sample content for the demo: Swedish blocks and an issue text (blocks.toml)."""

from tryggnews.sample.loader import (
    SampleBlock,
    SampleContent,
    SampleIssueText,
    load_sample_blocks,
    read_sample,
)

__all__ = ["SampleBlock", "SampleContent", "SampleIssueText", "load_sample_blocks", "read_sample"]
