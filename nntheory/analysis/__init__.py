"""The science, as plain functions of arrays. Nothing here reads files or prints."""
