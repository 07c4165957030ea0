from gover.cli.entry import main

main()
