from gover.entry import main

main()
