from gover.cli import main

main()
