from grouplink.cli import main

main()
