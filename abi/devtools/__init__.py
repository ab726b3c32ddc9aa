"""Development-only tools: generated blocks of the header and spec."""
