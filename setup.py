"""The one part of heapdiff that pyproject.toml cannot declare: the optional compiled kernel.

optional=True: where it cannot be built (no C compiler), the install goes on and heapdiff
decodes and aggregates with numpy alone (heapdiff/common/kernel.py finds it, or not)."""
from setuptools import Extension, setup

setup(ext_modules=[Extension("heapdiff._kernel",
                             ["heapdiff/_kernel.c"],
                             extra_compile_args=["-O2"], optional=True)])
