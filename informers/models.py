"""kubernetes-asyncio model objects, for callers who ask for them.

The cache holds raw dicts by default because building a ``V1Pod`` costs far more than
decoding its JSON (see ``bench/informer_ingest.py``). A caller who wants models gets them
from the same informer: each object is converted once, on its way into the cache, through
the user's own ``ApiClient.deserialize`` (the public path kubernetes-asyncio's ``Watch``
uses), so model classes, configuration and validation are exactly kubernetes-asyncio's.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import orjson

__all__ = ["ModelDecoder"]


class ModelDecoder:
    """``decoder(obj_dict)`` → a kubernetes-asyncio model, e.g. ``V1Pod``."""

    def __init__(self, api_client: Any, model_name: str) -> None:
        self.api_client = api_client
        self.model_name = model_name
        try:
            self({"metadata": {"name": "probe"}})
        except AttributeError:
            raise ValueError(f"kubernetes-asyncio has no model named {model_name!r}") from None
        except ValueError:
            pass  # a model with required fields: the class exists, which is what we check

    def __call__(self, obj: dict[str, Any]) -> Any:
        body = SimpleNamespace(data=orjson.dumps(obj))
        return self.api_client.deserialize(body, self.model_name)

    def __repr__(self) -> str:
        return f"ModelDecoder({self.model_name!r})"
