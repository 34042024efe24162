"""mkdocs.yml's values as MkDocs reads them, without importing MkDocs.

MkDocs (``mkdocs/utils/yaml.py``) reads its configuration with PyYAML's full ``Loader`` (so
``!!python/name:`` works, as Material's and pymdownx's documentation use it) plus two tags:
``!ENV`` (pyyaml-env-tag: a variable, or the first set of several, else a default) and
``!relative``. ``rundbrief check`` needs the same values, and must not load MkDocs to get
them. ``!relative $config_dir/sub`` and ``!relative $docs_dir/sub`` become the paths they
name; a bare ``!relative`` (the folder of the page being rendered) has no meaning outside a
page build and is reported. ``INHERIT`` is MkDocs' only for files it opens itself, not for
text, and MkDocs reads the text here too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
import yaml_env_tag


@dataclass(frozen=True, slots=True)
class _Relative:
    prefix: str  # "$config_dir" or "$docs_dir"
    suffix: str


def _construct_relative(loader: yaml.Loader, node: yaml.Node) -> _Relative:
    value = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    prefix, _, suffix = value.partition("/")
    if prefix not in ("$config_dir", "$docs_dir"):
        raise ValueError(
            f"!relative {value!r}: rundbrief converts issues outside MkDocs' page build and understands "
            "only !relative $config_dir/... and !relative $docs_dir/..."
        )
    return _Relative(prefix, suffix)


class _Loader(yaml.Loader):
    """PyYAML's full loader with MkDocs' tags, leaving the global loader unaltered."""


_Loader.add_constructor("!ENV", yaml_env_tag.construct_env_tag)
_Loader.add_constructor("!relative", _construct_relative)


def load_mkdocs_yaml(text: str, config_dir: Path, default_docs_dir: str) -> Any:
    """The values of mkdocs.yml's ``text``. Raises yaml.YAMLError, ValueError or TypeError."""
    values = yaml.load(text, Loader=_Loader)  # noqa: S506  # MkDocs' own loader; mkdocs.yml is trusted
    docs = values.get("docs_dir", default_docs_dir) if isinstance(values, dict) else default_docs_dir
    bases = {"$config_dir": str(config_dir), "$docs_dir": os.path.join(config_dir, str(docs))}

    def resolve(value: Any) -> Any:
        if isinstance(value, _Relative):
            return os.path.join(bases[value.prefix], value.suffix)
        if isinstance(value, dict):
            return {key: resolve(item) for key, item in value.items()}
        if isinstance(value, list):
            return [resolve(item) for item in value]
        return value

    return resolve(values)
