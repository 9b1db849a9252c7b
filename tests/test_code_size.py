"""bench/code_size.py, the size measure of issue 15: lines per module and the longest functions."""
import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "code_size.py"


def _measure():
    spec = importlib.util.spec_from_file_location("bench_code_size", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.measure


def test_lines_per_module_and_the_longest_function(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "small.py").write_text("def a():\n    return 1\n", encoding="utf-8")
    body = "".join(f"    x{i} = {i}\n" for i in range(6))
    (pkg / "big.py").write_text("class C:\n    def long(self):\n" + body.replace("    ", "        ")
                                + "\n\ndef short():\n    pass\n", encoding="utf-8")
    result = _measure()(["pkg"], over=5, top=2, base=tmp_path)
    assert result["modules"] == 2 and result["lines"] == 2 + 12
    assert result["over"] == {"pkg/big.py": 12}
    assert result["longest_functions"] == [{"lines": 7, "at": "pkg/big.py:2", "name": "long"},
                                           {"lines": 2, "at": "pkg/big.py:11", "name": "short"}]
