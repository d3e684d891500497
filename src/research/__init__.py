"""research: reproducible analysis of U.S. immigration enforcement (ICE arrests, staffing, leadership).

Start with `research.data`, whose one-line loaders return documented, validated tables.
"""

__version__ = "0.1.0"
