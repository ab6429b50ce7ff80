"""Server settings: one frozen `Settings`, from command-line flags over `GGSERVE_*` env vars.

Every flag has an environment variable (`--n-ctx` ↔ `GGSERVE_N_CTX`); a flag wins over its
variable, the variable over the default. Values from either source go through the same parsing,
so a bad `GGSERVE_PORT` is reported like a bad `--port`.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ggserve.bundled_model import bundled_model_path
from ggserve.drafting_flags import add_drafting_arguments, drafting_from_args
from ggserve.engine.kv_cache import CACHE_TYPES, FLASH_ATTENTION, KvCacheOptions
from ggserve.engine.ngram import DraftOptions
from ggserve.env_flags import EnvFlags
from ggserve.limits import DEFAULT_LIMITS, Limits
from ggserve.model_specs import ModelSpec, parse_model_flag, resolve_specs
from ggserve.threads import default_threads

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
DEFAULT_PARALLEL = 4


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything `ggserve serve` needs to run."""

    models: tuple[str, ...] = ()  # --model [ALIAS=]PATH, in order; none: the bundled SmolLM2
    alias: str | None = None  # the alias of a lone unnamed --model (None: from the file name)
    models_dir: Path | None = None  # every *.gguf there, tuned by its models.toml
    default_model: str | None = None  # None: the first model named
    max_loaded_models: int = 0  # models loaded at once (0: no limit); LRU idle ones unload
    idle_unload: float = 0.0  # seconds idle before a model unloads (0: never)
    host: str = "127.0.0.1"
    port: int = 50051
    unix_socket: str | None = None
    n_ctx: int = 4096
    threads: int = 1  # the server-wide budget that loaded models share
    n_gpu_layers: int = 0
    queue_size: int = 16
    parallel: int = DEFAULT_PARALLEL
    grace: float = 10.0
    log_level: str = "INFO"
    tool_format: str | None = None  # None: detected from the chat template
    http_port: int | None = None  # None: no in-process HTTP gateway
    unix_socket_mode: int = 0o600  # file mode of the Unix socket, set with chmod after bind
    tls_cert: Path | None = None  # PEM certificate chain: serve TLS
    tls_key: Path | None = None  # PEM private key of tls_cert
    tls_client_ca: Path | None = None  # PEM CA bundle: require client certificates (mTLS)
    auth_token_file: Path | None = None  # accepted bearer tokens, one per line
    limits: Limits = DEFAULT_LIMITS  # per-request bounds (--max-request-bytes, …)
    chat_template: str | None = None  # built-in name or Jinja file; None: the GGUF's own
    metrics_port: int | None = None  # None: no /metrics endpoint
    kv_cache: KvCacheOptions = KvCacheOptions()  # noqa: RUF009 (frozen) --cache-type-k/-v, --flash-attn
    drafting: DraftOptions | None = None  # speculative decoding by prompt lookup; None: off

    def model_specs(self) -> tuple[ModelSpec, ...]:
        """Every model this server knows, the default first (`SpecError` if unusable)."""
        return resolve_specs(
            [parse_model_flag(text) for text in self.models],
            alias=self.alias,
            models_dir=self.models_dir,
            default_model=self.default_model,
            bundled=None if self.models else bundled_model_path(),
        )

    @property
    def resident_models(self) -> int:
        """How many models may be loaded together: what the thread budget is shared by."""
        return self.max_loaded_models or len(self.model_specs())

    @property
    def address(self) -> str:
        """The gRPC bind address: `unix:PATH` or `HOST:PORT`."""
        if self.unix_socket:
            return f"unix:{self.unix_socket}"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0 and value != -1:
        raise argparse.ArgumentTypeError(f"must be 0 or more (or -1 for all), got {value}")
    return value


def _non_negative_count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _split_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number 0-65535, got {value}")
    return value


def _file_mode(text: str) -> int:
    try:
        value = int(text, 8)
    except ValueError:
        message = f"must be an octal file mode such as 600, got {text!r}"
        raise argparse.ArgumentTypeError(message) from None
    if not 0 <= value <= 0o777:
        raise argparse.ArgumentTypeError(f"must be an octal file mode 000-777, got {text!r}")
    return value


def _optional_port(text: str) -> int | None:
    """A port, or None (off) for an empty value (`GGSERVE_METRICS_PORT=`, `GGSERVE_HTTP_PORT=`:
    how a container turns off what its image enables)."""
    return _port(text) if text.strip() else None


def _seconds(text: str) -> float:
    value = float(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more seconds, got {value}")
    return value


def add_serve_arguments(parser: argparse.ArgumentParser, environ: Mapping[str, str]) -> None:
    """The `serve` flags; defaults come from `environ` (GGSERVE_*) and then `Settings`."""
    flags = EnvFlags(parser, environ)
    defaults = Settings(threads=default_threads())
    parser.add_argument(
        "--model", action="append", metavar="[ALIAS=]PATH",
        help="GGUF file to serve, optionally under ALIAS (default: from the file name); "
        "repeat for several models (default: the bundled SmolLM2-135M-Instruct); the variable "
        f"takes several separated by commas [{flags.variable('model')}]",
    )  # fmt: skip
    parser.set_defaults(model_env=_split_list(str(flags.value("model", ""))))
    flags.add(
        "alias", "name requests use for a lone --model PATH (default: from the file name)",
    )  # fmt: skip
    flags.add(
        "models_dir", type=Path, metavar="DIR",
        about="serve every *.gguf in DIR (alias: the file stem in lower case), each tuned by an "
        "optional DIR/models.toml (n_ctx, parallel, threads, n_gpu_layers, chat_template, "
        "tool_format, embeddings, pooling; see the README)",
    )  # fmt: skip
    flags.add(
        "default_model", metavar="ALIAS",
        about="model of requests that name none (default: the first --model, else the first "
        "file of --models-dir); it is loaded at startup, the others on first use",
    )  # fmt: skip
    flags.add(
        "max_loaded_models", type=_non_negative_count, metavar="N",
        default=defaults.max_loaded_models,
        about="models loaded at once; loading another first unloads the least recently used "
        "idle one (never one with running or queued requests). 0: no limit (default)",
    )  # fmt: skip
    flags.add(
        "idle_unload", type=_seconds, metavar="SECONDS", default=defaults.idle_unload,
        about="unload a model after this many seconds without requests; the next request "
        "loads it again. 0: never (default)",
    )  # fmt: skip
    flags.add(
        "host", default=defaults.host, about=f"interface to listen on (default {defaults.host})"
    )
    flags.add(
        "port", type=_port, default=defaults.port,
        about=f"TCP port; 0 picks a free one (default {defaults.port})",
    )  # fmt: skip
    flags.add("unix_socket", "listen on this Unix socket instead of TCP", metavar="PATH")
    flags.add(
        "unix_socket_mode", type=_file_mode, metavar="OCTAL",
        default=f"{defaults.unix_socket_mode:o}",
        about="file mode of the Unix socket, set after bind; 660 lets the group connect "
        f"(default {defaults.unix_socket_mode:o})",
    )  # fmt: skip
    flags.add(
        "tls_cert", "serve TLS with this certificate chain (needs --tls-key)",
        type=Path, metavar="PEM",
    )  # fmt: skip
    flags.add("tls_key", "private key of --tls-cert", type=Path, metavar="PEM")
    flags.add(
        "tls_client_ca", type=Path, metavar="PEM",
        about="require client certificates signed by these CAs (mutual TLS; needs --tls-cert)",
    )  # fmt: skip
    flags.add(
        "auth_token_file", type=Path, metavar="PATH",
        about="require `authorization: Bearer TOKEN` metadata, TOKEN being any line of this "
        "file; health checks stay open",
    )  # fmt: skip
    flags.add(
        "n_ctx", type=_positive, default=defaults.n_ctx,
        about=f"context length in tokens (default {defaults.n_ctx})",
    )  # fmt: skip
    flags.add(
        "threads", type=_positive, default=defaults.threads,
        about="decode threads of the whole server, shared by the models loaded together: each "
        "gets threads / --max-loaded-models (without a limit: / the number of models), at "
        "least 1, unless its models.toml sets its own "
        f"(default: cores - 1 = {defaults.threads})",
    )  # fmt: skip
    flags.add(
        "n_gpu_layers", type=_non_negative, default=defaults.n_gpu_layers,
        about="layers to offload to a CUDA GPU; -1 for all (default 0)",
    )  # fmt: skip
    flags.add(
        "parallel", type=_positive, default=defaults.parallel, metavar="N",
        about="slots: requests decoded together in one batch, sharing the --n-ctx KV cache "
        f"(default {defaults.parallel}, like llama-server). On a CPU, more slots cut queueing "
        "and time to first token under load, but each stream slows as the batch grows and "
        "aggregate tokens/s rises only while cores have spare compute; 1 serves one request "
        "at a time (the others queue). Slots cost no memory: the cells are shared",
    )  # fmt: skip
    flags.add(
        "queue_size", type=_positive, default=defaults.queue_size,
        about="requests that may wait for a slot before RESOURCE_EXHAUSTED "
        f"(default {defaults.queue_size})",
    )  # fmt: skip
    flags.add(
        "grace", type=_seconds, default=defaults.grace,
        about=f"seconds in-flight calls get to finish on SIGTERM (default {defaults.grace:g})",
    )  # fmt: skip
    flags.add(
        "log_level", type=str.upper, choices=LOG_LEVELS, default=defaults.log_level,
        about=f"log level (default {defaults.log_level})",
    )  # fmt: skip
    flags.add(
        "tool_format", metavar="FORMAT",
        about="tool-call format, overriding the one detected from the chat template "
        "(a ggserve_parser format name, e.g. hermes)",
    )  # fmt: skip
    flags.add(
        "http_port", type=_optional_port, metavar="PORT",
        about="also serve the OpenAI- and Anthropic-compatible HTTP API on this port of --host "
        "(needs ggserve-gateway; default: off)",
    )  # fmt: skip
    flags.add(
        "chat_template", metavar="NAME|PATH",
        about="chat template to use instead of the GGUF's own: a built-in name (chatml, llama2, "
        "llama3, mistral, gemma, phi3, deepseek, qwen, …) or a Jinja file; without one, a GGUF "
        "that has no template gets the built-in of its architecture",
    )  # fmt: skip
    flags.add(
        "metrics_port", type=_optional_port, metavar="PORT",
        about="serve Prometheus metrics at http://HOST:PORT/metrics on the --host interface; "
        "0 picks a free port (default: off)",
    )  # fmt: skip
    add_limit_arguments(flags)
    add_kv_cache_arguments(flags)
    add_drafting_arguments(flags)


def add_kv_cache_arguments(flags: EnvFlags) -> None:
    """The KV cache flags (`KvCacheOptions`)."""
    defaults = KvCacheOptions()
    types = ", ".join(CACHE_TYPES)
    for name, default in (("cache_type_k", defaults.type_k), ("cache_type_v", defaults.type_v)):
        flags.add(
            name, choices=CACHE_TYPES, metavar="TYPE", default=default,
            about=f"data type of the KV cache's {name[-1].upper()} half: {types}; q8_0 takes "
            f"about half the memory of f16 (default {default})",
        )  # fmt: skip
    flags.add(
        "flash_attn", choices=FLASH_ATTENTION, metavar="auto|on|off",
        default=defaults.flash_attention,
        about="flash attention; auto lets llama.cpp decide and turns it on for a quantized V "
        f"cache, which needs it (default {defaults.flash_attention})",
    )  # fmt: skip


def _kv_cache_from_args(args: argparse.Namespace) -> KvCacheOptions:
    defaults = KvCacheOptions()
    return KvCacheOptions(
        type_k=getattr(args, "cache_type_k", defaults.type_k),
        type_v=getattr(args, "cache_type_v", defaults.type_v),
        flash_attention=getattr(args, "flash_attn", defaults.flash_attention),
    )


def add_limit_arguments(flags: EnvFlags) -> None:
    """The request-limit flags (`Limits`)."""
    for name, what in (
        ("max_request_bytes", "largest request message in bytes (RESOURCE_EXHAUSTED beyond)"),
        ("max_messages", "most messages in one chat request"),
        ("max_tools", "most tools in one chat request"),
    ):
        default = getattr(DEFAULT_LIMITS, name)
        flags.add(name, f"{what} (default {default})", type=_positive, default=default)


def _limits_from_args(args: argparse.Namespace) -> Limits:
    return Limits(
        max_request_bytes=getattr(args, "max_request_bytes", DEFAULT_LIMITS.max_request_bytes),
        max_messages=getattr(args, "max_messages", DEFAULT_LIMITS.max_messages),
        max_tools=getattr(args, "max_tools", DEFAULT_LIMITS.max_tools),
    )


def settings_from_args(args: argparse.Namespace) -> Settings:
    """`Settings` from parsed `serve` arguments."""
    return Settings(
        models=tuple(args.model or getattr(args, "model_env", ())),
        alias=args.alias or None,
        models_dir=args.models_dir or None,
        default_model=args.default_model or None,
        max_loaded_models=args.max_loaded_models,
        idle_unload=args.idle_unload,
        host=args.host,
        port=args.port,
        unix_socket=args.unix_socket or None,
        n_ctx=args.n_ctx,
        threads=args.threads,
        n_gpu_layers=args.n_gpu_layers,
        queue_size=args.queue_size,
        parallel=args.parallel,
        grace=args.grace,
        log_level=args.log_level,
        tool_format=args.tool_format or None,
        http_port=args.http_port,
        unix_socket_mode=args.unix_socket_mode,
        tls_cert=args.tls_cert or None,
        tls_key=args.tls_key or None,
        tls_client_ca=args.tls_client_ca or None,
        auth_token_file=args.auth_token_file or None,
        limits=_limits_from_args(args),
        chat_template=args.chat_template or None,
        metrics_port=args.metrics_port,
        kv_cache=_kv_cache_from_args(args),
        drafting=drafting_from_args(args),
    )


def parse_settings(argv: Sequence[str], environ: Mapping[str, str]) -> Settings:
    """`Settings` from `serve` flags alone (the CLI adds them to its own parser)."""
    parser = argparse.ArgumentParser(prog="ggserve serve")
    add_serve_arguments(parser, environ)
    return settings_from_args(parser.parse_args(list(argv)))
