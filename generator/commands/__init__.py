"""One module per `jixiao` subcommand, each exposing `command`."""
