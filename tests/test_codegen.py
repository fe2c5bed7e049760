"""The committed heapdiff/profile_pb2.py is exactly what `make proto` generates."""
from __future__ import annotations

import subprocess
import sys

from support import REPO


def test_committed_module_equals_a_fresh_generation(tmp_path):
    subprocess.run([sys.executable, "-m", "grpc_tools.protoc", f"-I{REPO / 'proto'}",
                    f"--python_out={tmp_path}", str(REPO / "proto" / "profile.proto")],
                   check=True)
    fresh = (tmp_path / "profile_pb2.py").read_text()
    committed = (REPO / "heapdiff" / "profile_pb2.py").read_text()
    assert committed == fresh, "run `make proto` and commit heapdiff/profile_pb2.py"


def test_schema_has_every_field_of_the_format():
    from heapdiff import profile_pb2 as pb

    fields = {m: {f.name: f.number for f in getattr(pb, m).DESCRIPTOR.fields}
              for m in ("Profile", "Sample", "Label", "Mapping", "Location", "Line", "Function")}
    assert fields["Profile"]["default_sample_type"] == 14 and fields["Profile"]["doc_url"] == 15
    assert fields["Location"]["is_folded"] == 5
    assert fields["Line"]["column"] == 3
    assert set(fields["Mapping"]) == {"id", "memory_start", "memory_limit", "file_offset",
                                      "filename", "build_id", "has_functions", "has_filenames",
                                      "has_line_numbers", "has_inline_frames"}
