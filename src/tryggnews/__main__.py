from tryggnews.cli import main

main()
