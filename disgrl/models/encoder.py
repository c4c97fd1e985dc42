"""Encoders: a timm backbone split into five taps (F1..F5) and an exit (SPEC §1).

The backbone's top-level modules are registered directly on the encoder, so its state-dict keys
are timm's own (``conv1.weight``, ``block1.rep.0...``): timm's ImageNet weights load unchanged
(minus the classifier, which the encoder drops).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import timm
import torch
from torch import Tensor, nn

# Module names that start the backbone's classification head: the encoder stops before them.
_HEAD_NAMES = ("global_pool", "head", "fc", "classifier", "flatten", "head_drop", "pre_logits", "fc_norm")

# SPEC §1: the taps of timm's legacy_xception (its own feature_info points elsewhere).
XCEPTION_TAPS = ("act2", "block1", "block2", "block3", "block4")


class TimmEncoder(nn.Module):
    """A timm backbone run as taps F1..F5, then (later, on new input) its exit.

    Follows segmentation_models_pytorch's contract: ``out_channels`` lists the five taps'
    widths, so decoders and heads are built from it with no hard-coded numbers.

    Args:
        backbone: timm model name.
        taps: module names whose outputs are F1..F5. ``None``: the last five levels of timm's
            ``feature_info`` (``legacy_xception``: SPEC §1's act2, block1..block4).
        exit: module names run by :meth:`forward_exit`; ``None``: all modules after the last
            tap, up to the backbone's pooling / classifier.
        pretrained: ``True`` asks timm for its ImageNet weights (downloads); a path to a local
            weights file (``.safetensors``/``.pth``, timm's key names) loads that file instead,
            through timm's own loader.
        **backbone_kwargs: forwarded to ``timm.create_model``.

    Attributes:
        out_channels: widths of F1..F5.
        reductions: strides of F1..F5 relative to the input.
        exit_channels: width of the exit's output.
        exit_stages: names of the exit modules, in order.
    """

    def __init__(
        self,
        backbone: str = "legacy_xception",
        taps: Sequence[str] | None = None,
        exit: Sequence[str] | None = None,
        pretrained: bool | str | os.PathLike = False,
        **backbone_kwargs: Any,
    ) -> None:
        super().__init__()
        kwargs = dict(backbone_kwargs)
        if pretrained and not isinstance(pretrained, bool):
            path = Path(pretrained)
            if not path.is_file():
                raise FileNotFoundError(f"backbone weights file not found: {path}")
            kwargs["pretrained_cfg_overlay"] = {"file": str(path)}
        try:
            model = timm.create_model(backbone, pretrained=bool(pretrained), **kwargs)
        except RuntimeError as e:
            if "Unknown model" in str(e):
                raise ValueError(f"unknown timm backbone {backbone!r} (see timm.list_models())") from e
            raise
        info = list(model.feature_info)
        if taps is None:
            if backbone == "legacy_xception":
                taps = XCEPTION_TAPS
            else:
                if len(info) < 5:
                    raise ValueError(
                        f"backbone {backbone!r} exposes {len(info)} feature levels; DisGRL needs five (F1..F5). "
                        "Pass encoder taps explicitly or choose a backbone such as efficientnet_b0 or resnet50."
                    )
                taps = tuple(f["module"] for f in info[-5:])
        taps = tuple(taps)
        if len(taps) != 5:
            raise ValueError(f"an encoder needs five taps (F1..F5), got {len(taps)}: {taps}")

        order = _flatten_children(model, taps + tuple(exit or ()))
        names = [n for n, _ in order]
        missing = [t for t in taps if t not in names]
        if missing:
            raise ValueError(f"taps {missing} are not sequential modules of {backbone!r}; available: {names}")
        tap_idx = [names.index(t) for t in taps]
        if tap_idx != sorted(tap_idx):
            raise ValueError(f"taps must follow the backbone's order, got {taps}")
        all_after = tuple(names[tap_idx[-1] + 1 :])
        exit = all_after if exit is None else tuple(exit)
        bad = [e for e in exit if e not in all_after]
        if bad:
            raise ValueError(f"exit modules {bad} do not come after the last tap of {backbone!r}")

        # Register the used top-level modules under their timm names (keeps timm's state-dict keys).
        used = set(names[: tap_idx[-1] + 1]) | set(exit)
        for top_name, child in model.named_children():
            if any(u == top_name or u.startswith(top_name + ".") for u in used):
                self.add_module(top_name, child)

        self.backbone_name = backbone
        self.taps = taps
        self.exit_stages = exit
        self._stem_stages = tuple(names[: tap_idx[-1] + 1])
        self._tap_positions = tuple(tap_idx)
        by_module = {f["module"]: f for f in info}
        self.out_channels, self.reductions = self._tap_geometry(model, taps, by_module)
        self.exit_channels = self._exit_width(model, exit, all_after)
        self.pretrained_cfg = dict(getattr(model, "pretrained_cfg", {}) or {})

    # ----------------------------------------------------------------- construction helpers
    def _tap_geometry(self, model: nn.Module, taps: tuple[str, ...], info: dict) -> tuple[tuple, tuple]:
        if self.backbone_name == "legacy_xception" and taps == XCEPTION_TAPS:
            return (64, 128, 256, 728, 728), (2, 4, 8, 16, 16)
        if all(t in info for t in taps):
            return tuple(info[t]["num_chs"] for t in taps), tuple(info[t]["reduction"] for t in taps)
        raise ValueError(
            f"cannot read the widths of taps {taps} from {self.backbone_name!r}'s feature_info; "
            "use the backbone's feature_info module names"
        )

    def _exit_width(self, model: nn.Module, exit: tuple[str, ...], all_after: tuple[str, ...]) -> int:
        if not exit:
            return self.out_channels[-1]
        if exit == all_after:
            return int(model.num_features)
        was_training = self.training  # a custom exit: measure it on a small dummy map
        self.eval()
        with torch.no_grad():
            y = self.forward_exit(torch.zeros(1, self.out_channels[-1], 8, 8))
        self.train(was_training)
        return int(y.shape[1])

    # ------------------------------------------------------------------------------- forward
    def forward(self, x: Tensor) -> list[Tensor]:
        """Run the backbone up to F5 and return ``[F1, F2, F3, F4, F5]``."""
        feats: list[Tensor] = []
        taps = set(self._tap_positions)
        for i, name in enumerate(self._stem_stages):
            x = self.get_submodule(name)(x)
            if i in taps:
                feats.append(x)
        return feats

    def forward_exit(self, x: Tensor, start: int = 0, stop: int | None = None, skip: Sequence[str] = ()) -> Tensor:
        """Run exit stages ``start:stop`` on ``x`` (an F5-shaped map), leaving out ``skip``."""
        for name in self.exit_stages[start:stop]:
            if name not in skip:
                x = self.get_submodule(name)(x)
        return x


class XceptionEncoder(TimmEncoder):
    """timm's ``legacy_xception`` split as SPEC §1: F1 (64, /2), F2 (128, /4), F3 (256, /8),
    F4 (728, /16), F5 (728, /16); exit = block5..block12, conv3/bn3/act3, conv4/bn4/act4 (2048)."""

    def __init__(self, pretrained: bool | str | os.PathLike = False, **backbone_kwargs: Any) -> None:
        super().__init__("legacy_xception", taps=XCEPTION_TAPS, pretrained=pretrained, **backbone_kwargs)


def _flatten_children(model: nn.Module, wanted: Sequence[str]) -> list[tuple[str, nn.Module]]:
    """Top-level children in forward order up to the head; a Sequential is expanded one level
    when a wanted name points inside it (``blocks.6``)."""
    out: list[tuple[str, nn.Module]] = []
    for name, child in model.named_children():
        if name in _HEAD_NAMES:
            break
        if isinstance(child, nn.Sequential) and any(w.startswith(name + ".") for w in wanted):
            out.extend((f"{name}.{sub}", m) for sub, m in child.named_children())
        else:
            out.append((name, child))
    return out
