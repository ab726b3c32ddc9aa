"""The verification toolchain: the header against the layout, on every platform."""
