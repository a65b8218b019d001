"""The bundled mapping profiles: installed inside the package as ``checker.profiles`` (see checker/resources.py)."""
