"""The `google.rpc.ErrorInfo` of a failed call, read from its `grpc-status-details-bin` trailer.

The server puts a `google.rpc.Status` there (reason such as `CONTEXT_LENGTH_EXCEEDED` or
`QUEUE_FULL`, with metadata like `prompt_tokens` and `context_length`). The client needs only
grpcio and protobuf, so the two messages it reads are declared here, in a private descriptor
pool (no clash with googleapis-common-protos when both are loaded), from their published
field numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import DecodeError, Message

STATUS_DETAILS_TRAILER = "grpc-status-details-bin"
_ERROR_INFO_URL = "type.googleapis.com/google.rpc.ErrorInfo"

_F = descriptor_pb2.FieldDescriptorProto


def _field(name: str, number: int, kind: int, *, repeated: bool = False, type_name: str = "") -> _F:
    label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
    proto = _F(name=name, number=number, type=kind, label=label)  # type: ignore[arg-type]
    if type_name:
        proto.type_name = type_name
    return proto


def _message_classes() -> tuple[type[Message], type[Message]]:
    entry = descriptor_pb2.DescriptorProto(
        name="MetadataEntry",
        field=[_field("key", 1, _F.TYPE_STRING), _field("value", 2, _F.TYPE_STRING)],
        options=descriptor_pb2.MessageOptions(map_entry=True),
    )
    error_info = descriptor_pb2.DescriptorProto(
        name="ErrorInfo",
        field=[
            _field("reason", 1, _F.TYPE_STRING),
            _field("domain", 2, _F.TYPE_STRING),
            _field(
                "metadata",
                3,
                _F.TYPE_MESSAGE,
                repeated=True,
                type_name=".google.rpc.ErrorInfo.MetadataEntry",
            ),
        ],
        nested_type=[entry],
    )
    status = descriptor_pb2.DescriptorProto(
        name="Status",
        field=[
            _field("code", 1, _F.TYPE_INT32),
            _field("message", 2, _F.TYPE_STRING),
            _field("details", 3, _F.TYPE_MESSAGE, repeated=True, type_name=".google.protobuf.Any"),
        ],
    )
    pool = descriptor_pool.DescriptorPool()
    pool.AddSerializedFile(any_pb2.DESCRIPTOR.serialized_pb)
    pool.Add(
        descriptor_pb2.FileDescriptorProto(
            name="ggserve_client/google_rpc_status.proto",
            package="google.rpc",
            syntax="proto3",
            dependency=["google/protobuf/any.proto"],
            message_type=[status, error_info],
        )
    )
    return (
        message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status")),
        message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.ErrorInfo")),
    )


_Status, _ErrorInfo = _message_classes()


@dataclass(frozen=True, slots=True)
class ErrorInfo:
    """Why a call failed, in machine terms: `reason` (e.g. `CONTEXT_LENGTH_EXCEEDED`), the
    error `domain`, and `metadata` (e.g. `prompt_tokens`, `context_length`)."""

    reason: str = ""
    domain: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


def error_info(status_details: bytes) -> ErrorInfo | None:
    """The first ErrorInfo of a serialized `google.rpc.Status`; None if it has none or the
    bytes are not one."""
    try:
        status = _Status.FromString(status_details)
        for detail in status.details:  # type: ignore[attr-defined]
            if detail.type_url == _ERROR_INFO_URL:
                info = _ErrorInfo.FromString(detail.value)
                return ErrorInfo(info.reason, info.domain, dict(info.metadata))  # type: ignore[attr-defined]
    except DecodeError:
        return None
    return None
