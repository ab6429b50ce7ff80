"""Descriptor pool for server reflection that also resolves method names (`pkg.Service.Method`).

grpcio-reflection looks symbols up with `DescriptorPool.FindFileContainingSymbol`, which does not
know methods, so ghz (which resolves `--call` by the method's full name) fails with "Symbol not
found" (grpc/grpc#34743, bojand/ghz#419). This pool answers with the service's file instead.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import descriptor, descriptor_pool


class MethodAwarePool:
    """The default descriptor pool, plus the file of a method name."""

    def __init__(self, pool: descriptor_pool.DescriptorPool | None = None) -> None:
        self._pool = pool or descriptor_pool.Default()

    def FindFileContainingSymbol(self, symbol: str) -> descriptor.FileDescriptor:  # noqa: N802
        """The file defining `symbol`; for `pkg.Service.Method`, the service's file."""
        try:
            return self._pool.FindFileContainingSymbol(symbol)
        except KeyError:
            service_name, _, method = symbol.rpartition(".")
            try:
                service = self._pool.FindServiceByName(service_name)
            except KeyError:
                raise KeyError(symbol) from None
            if method not in service.methods_by_name:
                raise
            return service.file

    def __getattr__(self, name: str) -> Any:
        """Every other lookup goes to the wrapped pool."""
        return getattr(self._pool, name)
