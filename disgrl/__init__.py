"""disgrl: a model zoo for image and face forgery detection built around DisGRL (IJCAI 2023).

The public surface::

    import disgrl
    disgrl.list_models()
    model = disgrl.create_model("disgrl_xception")
    detector = disgrl.load_pretrained("disgrl_tiny.synthetic")

Submodules load lazily, so ``import disgrl.layers`` needs nothing but torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "create_model": "disgrl._factory",
    "list_models": "disgrl._registry",
    "register_model": "disgrl._registry",
    "is_model": "disgrl._registry",
    "get_pretrained_cfg": "disgrl._registry",
    "PretrainedCfg": "disgrl._registry",
    "load_pretrained": "disgrl._hub",
    "DisGRLDetector": "disgrl.detector",
    "Prediction": "disgrl.detector",
    "FacePrediction": "disgrl.detector",
    "VideoPrediction": "disgrl.detector",
    "DisGRL": "disgrl.models",
    "DisGRLConfig": "disgrl.models",
    "DisGRLOutput": "disgrl.models",
}

__all__ = [
    "DisGRL",
    "DisGRLConfig",
    "DisGRLDetector",
    "DisGRLOutput",
    "FacePrediction",
    "Prediction",
    "PretrainedCfg",
    "VideoPrediction",
    "__version__",
    "create_model",
    "get_pretrained_cfg",
    "is_model",
    "list_models",
    "load_pretrained",
    "register_model",
]

if TYPE_CHECKING:  # pragma: no cover
    from ._factory import create_model
    from ._hub import load_pretrained
    from ._registry import PretrainedCfg, get_pretrained_cfg, is_model, list_models, register_model
    from .detector import DisGRLDetector, FacePrediction, Prediction, VideoPrediction
    from .models import DisGRL, DisGRLConfig, DisGRLOutput


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        if _LAZY[name] in ("disgrl._factory", "disgrl._registry", "disgrl._hub"):
            importlib.import_module("disgrl.models")  # registers the entrypoints
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'disgrl' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
