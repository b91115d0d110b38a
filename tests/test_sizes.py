"""File sizes read the way file managers show them: KB below a megabyte, never "Bytes"."""
import pytest

from app.sizes import file_size


@pytest.mark.parametrize(("size", "shown"), [
    (None, ""), (0, "0 KB"), (1, "1 KB"), (48, "1 KB"), (1024, "1 KB"), (1025, "2 KB"), (48 * 1024, "48 KB"),
    (1024 * 1024 - 1, "1024 KB"), (1024 * 1024, "1 MB"), (1536 * 1024, "1.5 MB"), (20 * 1024 * 1024, "20 MB"),
    (256 * 1024 * 1024, "256 MB"), (3 * 1024 ** 3, "3 GB"),
])
def test_sizes(size, shown):
    assert file_size(size) == shown
