"""Applies to every test directory (pytest.ini makes the repository root the
rootdir): make `ansible_collections.zilliz.cloud` importable."""

# Importing it puts the collection on sys.path.
import collection_path  # noqa: F401  pylint: disable=unused-import
