"""Export a DisGRL model to ONNX (``pip install "disgrl[onnx]"``) and check it with onnxruntime.

The ONNX graph takes one input, ``image``: a float32 ``(batch, 3, H, W)`` tensor, normalised
with the model's mean / std at its data-config size (the graph's H and W are fixed, the batch is
dynamic unless ``dynamic_batch=False``). Its outputs are ``logits`` and, with ``outputs="all"``,
the reconstructions ``rec1`` / ``rec2`` of the heads the model has. The data config (input size,
mean, std, interpolation, crop, label names) is stored in the file's ``metadata_props`` as JSON
strings, so a consumer can pre-process without disgrl (see :func:`read_metadata`).

The exporter is ``torch.onnx.export(..., dynamo=True)`` (torch.export + onnxscript): the legacy
TorchScript exporter cannot export the SAM head's adaptive pooling with a dynamic batch.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor, nn

from . import __version__

if TYPE_CHECKING:
    import onnx

ONNX_INSTALL = "pip install 'disgrl[onnx]'"
OUTPUTS = ("logits", "all")
# Metadata keys whose value is JSON (all of them are strings in the file).
METADATA_KEYS = (
    "input_size",
    "mean",
    "std",
    "interpolation",
    "crop_pct",
    "label_names",
    "num_classes",
    "score",
    "input_name",
    "output_names",
    "architecture",
    "disgrl_version",
)


def missing_packages(*, runtime: bool = False) -> list[str]:
    """The packages of the ``onnx`` extra that are not installed (``onnxruntime`` only if ``runtime``)."""
    names = ["onnx", "onnxscript"] + (["onnxruntime"] if runtime else [])
    return [n for n in names if importlib.util.find_spec(n) is None]


def _require(*, runtime: bool = False) -> None:
    missing = missing_packages(runtime=runtime)
    if missing:
        raise ImportError(f"ONNX export needs {', '.join(missing)}: {ONNX_INSTALL}")


class ExportWrapper(nn.Module):
    """The model in eval mode with plain tensor outputs (``DisGRLOutput`` -> a tuple).

    Args:
        model: returns a ``DisGRLOutput`` (or anything with ``logits`` / ``rec1`` / ``rec2``
            attributes), or a plain logits tensor.
        names: the outputs to return, in order (``"logits"``, ``"rec1"``, ``"rec2"``).
    """

    def __init__(self, model: nn.Module, names: Sequence[str] = ("logits",)) -> None:
        super().__init__()
        self.model = model
        self.names = tuple(names)

    def forward(self, image: Tensor) -> Tensor | tuple[Tensor, ...]:
        out = self.model(image)
        if isinstance(out, Tensor):
            return out
        values = tuple(getattr(out, n) for n in self.names)
        return values[0] if len(values) == 1 else values


def resolve_model(model: nn.Module | str | os.PathLike | Any) -> tuple[nn.Module, dict[str, Any]]:
    """``(module, data_config)`` for an ``nn.Module``, a ``DisGRLDetector`` or a reference string.

    A string is a weights reference for :func:`disgrl.load_pretrained` (folder, ``hf-hub:org/name``,
    ``name.tag``); a registered model name without published weights is built by
    :func:`disgrl.create_model` (random weights).
    """
    from .detector import DisGRLDetector

    if isinstance(model, DisGRLDetector):
        return model.model, dict(model.data_config)
    if isinstance(model, (str, os.PathLike)):
        from ._hub import load_model
        from ._registry import get_pretrained_cfg, is_model

        ref = str(model)
        bare_name = "." not in ref and not Path(ref).exists() and is_model(ref)
        if bare_name and not get_pretrained_cfg(ref).has_weights:
            from . import create_model

            model = create_model(ref)
        else:
            model = load_model(model)
    if not isinstance(model, nn.Module):
        raise TypeError(f"model: expected an nn.Module, a DisGRLDetector or a weights reference, got {type(model)}")
    from ._registry import data_config_from_pretrained_cfg

    data_config = getattr(model, "data_config", None) or data_config_from_pretrained_cfg(None)
    return model, dict(data_config)


def _input_hw(input_size: int | Sequence[int] | None, data_config: dict[str, Any]) -> tuple[int, int]:
    if input_size is None:
        _, h, w = data_config.get("input_size", (3, 299, 299))
        return int(h), int(w)
    hw = (input_size, input_size) if isinstance(input_size, int) else tuple(int(v) for v in input_size)[-2:]
    if len(hw) != 2 or min(hw) < 1:
        raise ValueError(f"input_size: expected a positive int, (H, W) or (C, H, W), got {input_size!r}")
    return hw  # type: ignore[return-value]


def _check_path(path: str | os.PathLike) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".onnx":
        raise ValueError(f"path: expected a file name ending in .onnx, got {str(path)!r}")
    if path.is_dir():
        raise ValueError(f"path: {path} is a directory; expected an .onnx file name")
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        raise ValueError(f"path: cannot create {path}: {parent} is not a directory")
    return path


def _metadata(
    model: nn.Module, data_config: dict[str, Any], hw: tuple[int, int], names: Sequence[str]
) -> dict[str, str]:
    pcfg = dict(getattr(model, "pretrained_cfg", {}) or {})
    num_classes = int(getattr(model, "num_classes", pcfg.get("num_classes", 1)))
    values = {
        "input_size": [3, *hw],
        "mean": list(data_config.get("mean", (0.5, 0.5, 0.5))),
        "std": list(data_config.get("std", (0.5, 0.5, 0.5))),
        "interpolation": data_config.get("interpolation", "bilinear"),
        "crop_pct": data_config.get("crop_pct", 1.0),
        "label_names": list(pcfg.get("label_names") or ("real", "fake")),
        "num_classes": num_classes,
        "score": "sigmoid(logits[:, 0]) = P(fake)" if num_classes == 1 else "softmax(logits, axis=1)",
        "input_name": "image",
        "output_names": list(names),
        "architecture": pcfg.get("architecture") or type(model).__name__,
        "disgrl_version": __version__,
    }
    return {k: json.dumps(values[k]) for k in METADATA_KEYS}


def export_onnx(
    model: nn.Module | str | os.PathLike | Any,
    path: str | os.PathLike,
    *,
    input_size: int | Sequence[int] | None = None,
    batch_size: int = 1,
    dynamic_batch: bool = True,
    opset: int | None = None,
    outputs: str = "logits",
) -> Path:
    """Export ``model`` to an ONNX file at ``path`` (written atomically) and return the path.

    Args:
        model: a DisGRL ``nn.Module``, a ``DisGRLDetector``, or a reference string: a weights
            folder, ``hf-hub:org/name``, ``name.tag``, or a registered model name (random weights
            when it has none published).
        path: the ``.onnx`` file to write (parent folders are created).
        input_size: ``H`` (square), ``(H, W)`` or ``(C, H, W)``; default: the model's data config.
        batch_size: the batch of the example input; the graph's batch when ``dynamic_batch=False``.
        dynamic_batch: let the graph take any batch size (the ``batch`` dimension).
        opset: ONNX opset (default: the exporter's, 20 with torch 2.14; at least 18).
        outputs: ``"logits"``, or ``"all"`` for ``logits`` plus the ``rec1`` / ``rec2``
            reconstructions the model has (``(batch, 3, H, W)`` in normalised units).

    The model's weights are stored inside the file; a model over 2 GB (protobuf's limit) gets
    its weights in ``<name>.onnx.data`` beside it, which must be kept with the ``.onnx`` file.
    The model is exported in eval mode and its train/eval state is restored afterwards.
    """
    if outputs not in OUTPUTS:
        raise ValueError(f"outputs: expected 'logits' or 'all', got {outputs!r}")
    if batch_size < 1:
        raise ValueError(f"batch_size: expected >= 1, got {batch_size}")
    if opset is not None and opset < 18:
        raise ValueError(f"opset: the torch.export-based exporter needs opset >= 18, got {opset}")
    path = _check_path(path)
    _require()
    module, data_config = resolve_model(model)
    hw = _input_hw(input_size, data_config)

    was_training = module.training
    module.eval()
    try:
        # The graph takes the model's dtype: a float16 model gives a float16 graph (.float() it first
        # for float32). A batch of 1 would be specialised by torch.export; trace with 2 when it is dynamic.
        device, dtype = _device_dtype(module)
        example = torch.zeros(max(batch_size, 2) if dynamic_batch else batch_size, 3, *hw, device=device, dtype=dtype)
        names = ["logits"]
        if outputs == "all":
            with torch.no_grad():
                out = module(example)
            names += [n for n in ("rec1", "rec2") if isinstance(getattr(out, n, None), Tensor)]
        wrapper = ExportWrapper(module, names).eval()
        dynamic_shapes = {"image": {0: torch.export.Dim("batch", min=1)}} if dynamic_batch else None
        with torch.no_grad():
            program = torch.onnx.export(
                wrapper,
                (example,),
                dynamo=True,
                input_names=["image"],
                output_names=names,
                opset_version=opset,
                dynamic_shapes=dynamic_shapes,
                verbose=False,
            )
    finally:
        module.train(was_training)
    program.model.metadata_props.update(_metadata(module, data_config, hw, names))
    _save_atomic(program, path)
    return path


def _device_dtype(module: nn.Module) -> tuple[torch.device, torch.dtype]:
    """Where the model's parameters live and their floating dtype (CPU / float32 without any)."""
    param = next(module.parameters(), None)
    if param is None:
        return torch.device("cpu"), torch.float32
    return param.device, param.dtype if param.is_floating_point() else torch.float32


def _save_atomic(program: Any, path: Path) -> None:
    """Save an ``ONNXProgram`` into a temp folder beside ``path``, then rename into place.

    With external data (models over 2 GB) the ``.onnx.data`` file is moved first, so the
    ``.onnx`` file never points to weights that are not there yet.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        program.save(tmp / path.name)
        data = tmp / f"{path.name}.data"
        if data.exists():
            os.replace(data, path.parent / data.name)
        os.replace(tmp / path.name, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def read_metadata(path: str | os.PathLike) -> dict[str, Any]:
    """The metadata :func:`export_onnx` stored in ``path`` (values decoded from JSON)."""
    _require()
    import onnx

    proto: onnx.ModelProto = onnx.load(str(path), load_external_data=False)
    out: dict[str, Any] = {}
    for prop in proto.metadata_props:
        try:
            out[prop.key] = json.loads(prop.value)
        except json.JSONDecodeError:
            out[prop.key] = prop.value
    return out


def check_onnx(
    path: str | os.PathLike,
    model: nn.Module | str | os.PathLike | Any,
    *,
    batch_size: int = 2,
    seed: int = 0,
) -> dict[str, float]:
    """Run ``path`` in onnxruntime (CPU) and ``model`` in PyTorch on the same random input.

    Returns the max absolute difference per output name. The input is uniform in [-1, 1] at the
    size stored in the file, with ``batch_size`` images (a static-batch file uses its own batch).
    """
    _require(runtime=True)
    import onnxruntime as ort

    module, _ = resolve_model(model)
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    inp = session.get_inputs()[0]
    names = [o.name for o in session.get_outputs()]
    batch = inp.shape[0] if isinstance(inp.shape[0], int) else batch_size
    _, h, w = read_metadata(path).get("input_size") or inp.shape[1:]
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(batch, 3, h, w, generator=gen) * 2 - 1
    if inp.type == "tensor(float16)":  # a graph exported from a float16 model
        x = x.half()
    got = session.run(names, {inp.name: x.numpy()})
    was_training = module.training
    module.eval()
    try:
        device, dtype = _device_dtype(module)
        with torch.no_grad():
            ref = ExportWrapper(module, names)(x.to(device, dtype))
    finally:
        module.train(was_training)
    ref = (ref,) if isinstance(ref, Tensor) else ref
    return {n: float((torch.from_numpy(g).float() - r.float().cpu()).abs().max()) for n, g, r in zip(names, got, ref)}
