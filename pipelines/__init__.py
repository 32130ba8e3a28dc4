"""Thin DVC stage scripts and the channelwise CLI."""
