"""runcomfy-codegen: typed Python clients generated from RunComfy model schemas."""

__version__ = "0.1.0"
