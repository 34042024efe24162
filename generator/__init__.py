"""rundbrief: Markdown issues of a participation process into a website and email newsletters."""

__version__ = "0.1.0"
