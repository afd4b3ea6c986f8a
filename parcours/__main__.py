from parcours.cli.commands import main

main()
