"""Chat and ChatStream end to end over loopback gRPC (replay engine, real parser)."""

from __future__ import annotations

from ggserve_client.v1 import api_pb2 as pb

from .harness import Client, assert_folds_to_final, chat_request, fold


def test_unary_chat_returns_the_whole_turn(replay_client: Client) -> None:
    response = replay_client.chat.Chat(chat_request(request_id="abc-1"), timeout=30)
    assert response.message.role == pb.ROLE_ASSISTANT
    assert response.message.content == "Hello, world!"
    assert response.finish_reason == pb.FINISH_REASON_STOP
    assert response.id == "abc-1"
    assert response.model == "replay"
    assert response.usage.completion_tokens == 4
    assert response.usage.prompt_tokens > 0
    assert response.usage.total_tokens == (
        response.usage.prompt_tokens + response.usage.completion_tokens
    )


def test_stream_deltas_fold_to_the_final_message(replay_client: Client) -> None:
    request = pb.ChatStreamRequest(request=chat_request())
    folded = fold(list(replay_client.chat.ChatStream(request, timeout=30)))
    assert_folds_to_final(folded)
    assert folded.content == "Hello, world!"
    assert folded.done.finish_reason == pb.FINISH_REASON_STOP
    assert folded.done.id.startswith("req_")


def test_unary_and_stream_agree(replay_client: Client) -> None:
    unary = replay_client.chat.Chat(chat_request(), timeout=30)
    streamed = list(replay_client.chat.ChatStream(pb.ChatStreamRequest(request=chat_request())))
    assert streamed[-1].done.message == unary.message
