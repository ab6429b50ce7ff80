"""Several real models behind one server with --max-loaded-models 1: on-demand loading, swaps,
admin load/unload, a failing load, deadlines while loading, health per alias, and the CLI flags."""

from __future__ import annotations

import re
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2

from ggserve.config import parse_settings
from ggserve.model_specs import ModelSpec, SpecError, resolve_specs
from ggserve_client.v1 import api_pb2 as pb
from ggserve_client.v1 import api_pb2_grpc as pb_grpc

from .harness import Client, chat_request, code, details, user
from .models_server import model_files, start_models_server
from .process import ServerProcess

pytestmark = pytest.mark.e2e

SHORT = {"max_tokens": 3, "sampling": pb.SamplingParams(temperature=0.0)}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    server = start_models_server(tmp_path_factory.mktemp("models"))
    connected = Client.connect(server)
    try:
        yield connected
    finally:
        connected.channel.close()
        server.close()


def states(client: Client) -> dict[str, int]:
    response = client.models.ListModels(pb.ListModelsRequest())
    return {m.alias: m.status.state for m in response.models}


def chat(client: Client, model: str, timeout: float = 120) -> pb.ChatResponse:
    request = chat_request(user("Say hi."), model=model, **SHORT)
    response: pb.ChatResponse = client.chat.Chat(request, timeout=timeout)
    return response


def wait_state(client: Client, alias: str, state: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while states(client)[alias] != state:
        assert time.monotonic() < deadline, f"{alias} never reached state {state}"
        time.sleep(0.05)


def health(client: Client, alias: str) -> int:
    response: health_pb2.HealthCheckResponse = client.health.Check(
        health_pb2.HealthCheckRequest(service=alias)
    )
    return int(response.status)


def test_models_are_listed_with_their_state_and_the_default_first(client: Client) -> None:
    models = client.models.ListModels(pb.ListModelsRequest()).models
    assert [m.alias for m in models][:1] == ["smollm2"]
    assert {m.alias for m in models} == {"smollm2", "gemma", "minilm", "broken"}
    assert models[0].is_default


def test_alternating_requests_swap_the_loaded_model(client: Client) -> None:
    assert chat(client, "smollm2").model == "smollm2"
    assert states(client)["smollm2"] == pb.MODEL_STATE_LOADED
    loaded = client.models.GetModel(pb.GetModelRequest(model="smollm2")).model
    assert loaded.status.load_seconds > 0
    assert loaded.slots == 2
    assert chat(client, "gemma").model == "gemma"
    now = states(client)
    assert now["gemma"] == pb.MODEL_STATE_LOADED
    assert now["smollm2"] == pb.MODEL_STATE_UNLOADED  # one at a time: the LRU idle one went
    assert health(client, "gemma") == health_pb2.HealthCheckResponse.SERVING
    assert health(client, "smollm2") == health_pb2.HealthCheckResponse.NOT_SERVING
    assert chat(client, "smollm2").model == "smollm2"
    assert states(client)["gemma"] == pb.MODEL_STATE_UNLOADED
    unloaded = client.models.GetModel(pb.GetModelRequest(model="gemma")).model
    assert unloaded.status.memory_bytes == 0
    assert unloaded.architecture == ""  # known, not loaded: nothing read from the GGUF now


def test_concurrent_requests_to_two_models_both_answer(client: Client) -> None:
    with ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(chat, client, m) for m in ("smollm2", "gemma", "smollm2", "gemma")]
        answers = [f.result() for f in futures]
    assert [a.model for a in answers] == ["smollm2", "gemma", "smollm2", "gemma"]
    assert all(a.usage.completion_tokens > 0 for a in answers)


def test_unload_waits_for_running_requests_and_reload_works(client: Client) -> None:
    chat(client, "smollm2")
    stream = client.chat.ChatStream(
        pb.ChatStreamRequest(
            request=chat_request(user("Count to fifty."), model="smollm2", max_tokens=40)
        ),
        timeout=120,
    )
    next(stream)  # the stream (admitted: its first event) holds the model
    unloading = client.models.UnloadModel.future(
        pb.UnloadModelRequest(model="smollm2"), timeout=120
    )
    rest = list(stream)  # the stream runs to its end: the unload waits for it
    assert rest[-1].WhichOneof("event") == "done"
    assert unloading.result().model.status.state == pb.MODEL_STATE_UNLOADED
    assert health(client, "smollm2") == health_pb2.HealthCheckResponse.NOT_SERVING
    with pytest.raises(grpc.RpcError) as gone:
        client.models.UnloadModel(pb.UnloadModelRequest(model="nope"))
    assert code(gone.value) is grpc.StatusCode.NOT_FOUND
    loaded = client.models.LoadModel(pb.LoadModelRequest(model="smollm2"), timeout=120)
    assert loaded.model.status.state == pb.MODEL_STATE_LOADED
    assert health(client, "smollm2") == health_pb2.HealthCheckResponse.SERVING


def test_a_load_that_fails_leaves_the_others_serving(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as failed:
        chat(client, "broken")
    assert code(failed.value) is grpc.StatusCode.UNAVAILABLE
    assert "'broken' failed to load" in details(failed.value)
    status = client.models.GetModel(pb.GetModelRequest(model="broken")).model.status
    assert status.state == pb.MODEL_STATE_FAILED
    assert status.reason
    with pytest.raises(grpc.RpcError) as again:  # failed stays failed: no reload per request
        chat(client, "broken")
    assert code(again.value) is grpc.StatusCode.UNAVAILABLE
    assert chat(client, "smollm2").usage.completion_tokens > 0
    assert chat(client, "gemma").usage.completion_tokens > 0


def test_a_deadline_that_passes_while_loading_does_not_stop_the_load(client: Client) -> None:
    chat(client, "smollm2")  # gemma is unloaded now
    assert states(client)["gemma"] == pb.MODEL_STATE_UNLOADED
    with pytest.raises(grpc.RpcError) as late:
        chat(client, "gemma", timeout=0.05)
    assert code(late.value) is grpc.StatusCode.DEADLINE_EXCEEDED
    # Nobody asks for gemma again, yet the swap the late request began runs to its end...
    wait_state(client, "gemma", pb.MODEL_STATE_LOADED)
    assert states(client)["smollm2"] == pb.MODEL_STATE_UNLOADED
    assert chat(client, "gemma").model == "gemma"  # ...and serves the next request


def test_unknown_model_is_not_found(client: Client) -> None:
    with pytest.raises(grpc.RpcError) as unknown:
        chat(client, "nope")
    assert code(unknown.value) is grpc.StatusCode.NOT_FOUND
    assert "available: broken, gemma, minilm, smollm2" in details(unknown.value)


def test_the_cli_resolves_flags_dir_and_config(tmp_path: Path) -> None:
    (tmp_path / "Qwen-Small.gguf").write_bytes(b"GGUF")
    (tmp_path / "embed.gguf").write_bytes(b"GGUF")
    (tmp_path / "models.toml").write_text(
        '[qwen-small]\nn_ctx = 2048\nparallel = 2\nchat_template = "chatml"\n'
        '[embed]\nembeddings = true\npooling = "cls"\nthreads = 1\n'
    )
    settings = parse_settings(
        ["--model", "main=/m/a.gguf", "--models-dir", str(tmp_path), "--default-model", "embed",
         "--max-loaded-models", "2", "--idle-unload", "30", "--threads", "4"],
        {},
    )  # fmt: skip
    specs = settings.model_specs()
    assert [s.alias for s in specs] == ["embed", "main", "qwen-small"]
    assert specs[0] == ModelSpec("embed", tmp_path / "embed.gguf", threads=1, embeddings=True,
                                 pooling="cls")  # fmt: skip
    assert specs[2].n_ctx == 2048
    assert specs[2].parallel == 2
    assert settings.max_loaded_models == 2
    assert settings.idle_unload == 30
    env = parse_settings([], {"GGSERVE_MODEL": "a=/x/a.gguf,/x/b.gguf", "GGSERVE_ALIAS": ""})
    assert [(s.alias, str(s.path)) for s in env.model_specs()] == [("a", "/x/a.gguf"),
                                                                   ("b", "/x/b.gguf")]  # fmt: skip
    legacy = parse_settings(["--model", "/x/Big.gguf", "--alias", "big"], {})
    assert [s.alias for s in legacy.model_specs()] == ["big"]


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[qwen]\nn_ctx = 0\n", "n_ctx must be at least 1"),
        ("[qwen]\ncolour = 1\n", "unknown key 'colour'"),
        ("[qwen]\nembeddings = 'yes'\n", "embeddings must be a bool"),
        ("[qwen]\npooling = 'max'\n", "pooling must be one of mean, cls, last"),
        ("[ghost]\nn_ctx = 512\n", "no model is called 'ghost'"),
        ("[qwen\n", "cannot read"),
    ],
)
def test_bad_model_config_is_refused_with_its_place(
    tmp_path: Path, toml: str, message: str
) -> None:
    (tmp_path / "qwen.gguf").write_bytes(b"GGUF")
    (tmp_path / "models.toml").write_text(toml)
    with pytest.raises(SpecError, match=message):
        resolve_specs([], models_dir=tmp_path)


def test_two_models_with_one_alias_are_refused() -> None:
    with pytest.raises(SpecError, match="two models are called 'a'"):
        resolve_specs([("a", Path("/x/1.gguf")), ("a", Path("/x/2.gguf"))])
    with pytest.raises(SpecError, match="--alias names a single --model"):
        resolve_specs([(None, Path("/x/1.gguf")), (None, Path("/x/2.gguf"))], alias="a")


def test_serve_a_models_dir_on_demand_with_idle_unload_and_metrics(tmp_path: Path) -> None:
    smollm2, _, embed = model_files()
    (tmp_path / "chat.gguf").symlink_to(smollm2)
    (tmp_path / "minilm.gguf").symlink_to(embed)
    (tmp_path / "models.toml").write_text("[minilm]\nn_ctx = 256\nparallel = 1\n")
    server = ServerProcess(
        "--models-dir", str(tmp_path), "--default-model", "chat", "--max-loaded-models", "1",
        "--idle-unload", "1", "--threads", "1", "--n-ctx", "1024", "--port", "0",
        "--metrics-port", "0",
    )  # fmt: skip
    try:
        server.wait_ready()
        metrics_port = int(server.wait_for(re.compile(r"metrics at http://\S+:(\d+)/")).group(1))
        with grpc.insecure_channel(server.target) as channel:
            connected = Client.connect_channel(channel)
            listed = connected.models.ListModels(pb.ListModelsRequest()).models
            assert [(m.alias, m.status.state) for m in listed] == [
                ("chat", pb.MODEL_STATE_LOADED),
                ("minilm", pb.MODEL_STATE_UNLOADED),
            ]
            embeddings = pb_grpc.EmbeddingServiceStub(channel)
            inputs = [pb.EmbedInput(text="hello world")]
            answer = embeddings.Embed(pb.EmbedRequest(model="minilm", inputs=inputs), timeout=120)
            assert len(answer.embeddings[0].values) == 384
            minilm = connected.models.GetModel(pb.GetModelRequest(model="minilm")).model
            assert minilm.context_length == 256  # from models.toml
            assert minilm.pooling == "mean"  # from the GGUF
            assert health(connected, "chat") == health_pb2.HealthCheckResponse.NOT_SERVING
            server.wait_for(re.compile(r"model minilm idle for 1 s: unloading"), timeout=30)
            server.wait_for(re.compile(r"model minilm unloaded"), timeout=30)
            assert health(connected, "minilm") == health_pb2.HealthCheckResponse.NOT_SERVING
            scrape = f"http://127.0.0.1:{metrics_port}/metrics"
            with urllib.request.urlopen(scrape, timeout=30) as page:
                text = page.read().decode()
        assert 'ggserve_model_state{model="minilm",state="unloaded"} 1.0' in text
        assert 'ggserve_embedding_inputs_total{model="minilm"} 1.0' in text
        server.terminate()
        assert server.wait() == 0
    finally:
        server.close()
