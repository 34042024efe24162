"""The content model and its loader: editors' files in, frozen typed objects out."""

from generator.content.loader import LoadResult, load_project

__all__ = ["LoadResult", "load_project"]
