"""One module per subcommand: each registers its parser and runs it."""
