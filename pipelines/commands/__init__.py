"""One module per channelwise CLI command."""
