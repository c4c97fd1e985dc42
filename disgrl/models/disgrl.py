"""DisGRL assembled from swappable parts (paper Fig. 1)."""

from __future__ import annotations

import copy
import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor, nn

from .classifier import ClassifierHead
from .config import DisGRLConfig
from .dea_cascade import DEACascade
from .decoder import AFSDecoder
from .disad import DisAD
from .encoder import TimmEncoder
from .heads import ReasoningHead, VisionHead


@dataclass
class DisGRLOutput:
    """What :meth:`DisGRL.forward` computes.

    Attributes:
        logits: ``(B, num_classes)``; with one class, ``sigmoid(logits)`` is P(fake).
        rec1: X̂1 from the vision (AFS) head, ``(B, 3, H, W)`` at input size, or None.
        rec2: X̂2 from the reasoning (SAM) head, or None.
        embedding: ``(B, C5)`` global average pool of F5, for the metric-learning loss.
    """

    logits: Tensor
    rec1: Tensor | None
    rec2: Tensor | None
    embedding: Tensor

    @property
    def reconstructions(self) -> list[Tensor]:
        return [r for r in (self.rec1, self.rec2) if r is not None]


class DisGRL(nn.Module):
    """Discrepancy-Guided Reconstruction Learning (Shi et al., IJCAI 2023).

    ``DisGE`` (encoder + DEA cascade) -> decoder (three AFS) -> DouHR (two reconstruction heads)
    -> DisAD (two RFAs guided by ``|X - X̂_k|``) -> encoder exit -> classifier.

    Build it from a :class:`DisGRLConfig`; any part can be replaced by passing a module
    (``DisGRL(cfg, encoder=my_encoder)``). A replacement must keep the part's interface: an
    encoder exposes ``out_channels`` (5 widths), ``exit_channels``, ``exit_stages``, ``forward(x)
    -> [F1..F5]`` and ``forward_exit(x, start, stop, skip)``; the others take what the default
    part takes (see each part's docstring). A model with replaced parts is no longer fully
    described by its config.

    Args:
        config: the architecture; ``None`` gives SPEC's defaults (``disgrl_xception``).
        pretrained_backbone: ``True`` for timm's ImageNet weights (downloads), or a local path.
        encoder, dea, decoder, rec1, rec2, disad, head: optional replacement parts.
    """

    def __init__(
        self,
        config: DisGRLConfig | None = None,
        *,
        pretrained_backbone: bool | str = False,
        encoder: nn.Module | None = None,
        dea: nn.Module | None = None,
        decoder: nn.Module | None = None,
        rec1: nn.Module | None = None,
        rec2: nn.Module | None = None,
        disad: nn.Module | None = None,
        head: nn.Module | None = None,
    ) -> None:
        super().__init__()
        cfg = copy.deepcopy(config or DisGRLConfig()).validate()
        self.config = cfg
        e, d, dec, r, da, c = cfg.encoder, cfg.dea, cfg.decoder, cfg.reconstruction, cfg.disad, cfg.classifier

        self.encoder = encoder or TimmEncoder(
            e.backbone, taps=e.taps, exit=e.exit, pretrained=pretrained_backbone, **e.backbone_kwargs
        )
        chs = list(self.encoder.out_channels)

        self.dea = dea
        if self.dea is None and d.enabled:
            self.dea = DEACascade(
                chs,
                d.expansion,
                d.pool_size,
                d.pre_attention,
                d.tied,
                d.norm_groups,
                d.align_corners,
                d.widths,
                d.separable,
            )

        heads = r.rec1 or r.rec2 or rec1 is not None or rec2 is not None
        self.decoder = decoder
        if self.decoder is None and heads:
            self.decoder = AFSDecoder(
                chs, dec.channels, dec.value_kernel, dec.residual_kernel, dec.skip_channels, dec.norm_groups,
                dec.skip_reduce, dec.f5_channels,
            )  # fmt: skip
        dec_out = getattr(self.decoder, "out_channels", dec.channels[-1])
        f1_ch = getattr(self.decoder, "f1_channels", chs[0])

        self.rec1 = rec1
        if self.rec1 is None and r.rec1:
            self.rec1 = VisionHead(
                dec_out, f1_ch, r.rec1_channels, r.rec1_use_f1, r.output_bn_relu,
                dec.value_kernel, dec.residual_kernel, dec.norm_groups, r.align_corners,
            )  # fmt: skip
        self.rec2 = rec2
        if self.rec2 is None and r.rec2:
            self.rec2 = ReasoningHead(
                dec_out, f1_ch, r.sam_channels, r.sam_states, r.sam_grid, r.guide_proj,
                r.guide_interpolation, r.output_bn_relu, r.align_corners,
            )  # fmt: skip
        num_heads = int(self.rec1 is not None) + int(self.rec2 is not None)

        self.disad = disad
        if self.disad is None and da.rfa:
            self.disad = DisAD(chs[4], num_heads, da.gate, da.final_conv, da.shared, da.align_corners, da.separable)

        self.head = head or ClassifierHead(self.encoder.exit_channels, c.num_classes, c.hidden, c.dropout, c.act)
        self.num_classes = getattr(self.head, "num_classes", c.num_classes)
        self.pretrained_cfg: dict[str, Any] = {}

    # ---------------------------------------------------------------------------- forward
    def add_noise(self, x: Tensor) -> Tensor:
        """SPEC §6: with probability ``noise_prob`` per sample, add N(0, noise_std²), then clip."""
        cfg = self.config
        if cfg.noise_std <= 0 or cfg.noise_prob <= 0:
            return x
        keep = (torch.rand(x.shape[0], 1, 1, 1, device=x.device) < cfg.noise_prob).to(x.dtype)
        x = x + torch.randn_like(x) * cfg.noise_std * keep
        if cfg.noise_clip is not None:
            x = x.clamp(*cfg.noise_clip)
        return x

    def forward(self, x: Tensor) -> DisGRLOutput:
        """``x``: ``(B, 3, H, W)`` normalised images (mean = std = 0.5 for Xception)."""
        if x.dim() != 4 or x.shape[1] != 3:
            raise ValueError(f"DisGRL expects a (B, 3, H, W) tensor, got shape {tuple(x.shape)}")
        size = x.shape[-2:]
        feats = self.encoder(self.add_noise(x) if self.training else x)
        f5 = feats[4]
        embedding = f5.mean(dim=(2, 3))

        rec1 = rec2 = None
        if self.decoder is not None:
            dec = self.decoder(feats)
            if self.rec1 is not None:
                rec1 = self.rec1(dec.features, dec.f1, size)
            if self.rec2 is not None:
                rec2 = self.rec2(dec.features, dec.f1, size)

        fe = f5 if self.dea is None else f5 + self.dea(feats, f5.shape[-2:])
        da = self.config.disad
        split = da.after_exit_stages if self.disad is not None else 0
        if split:
            fe = self.encoder.forward_exit(fe, 0, split)
        if self.disad is not None:
            residuals = [(x - r).abs() for r in (rec1, rec2) if r is not None]
            fe = self.disad(fe, residuals)
        out = self.encoder.forward_exit(fe, split, None, da.skip_exit_stages)
        return DisGRLOutput(self.head(out), rec1, rec2, embedding)

    # ---------------------------------------------------------------------------- helpers
    @property
    def data_config(self) -> dict[str, Any]:
        """Input size, mean/std, interpolation and crop of this model's pretrained config."""
        from .._registry import data_config_from_pretrained_cfg

        return data_config_from_pretrained_cfg(self.pretrained_cfg)

    def reset_classifier(self, num_classes: int) -> None:
        """Replace the classifier's last layer by a fresh one with ``num_classes`` outputs."""
        last = self.head.fc[-1]
        self.head.fc[-1] = nn.Linear(last.in_features, num_classes)
        self.head.num_classes = self.num_classes = num_classes
        classifier = dataclasses.replace(self.config.classifier, num_classes=num_classes)
        self.config = dataclasses.replace(self.config, classifier=classifier)

    def save_pretrained(self, directory: str | os.PathLike, **kwargs: Any) -> Path:
        """Write ``config.json`` + ``model.safetensors`` (see :func:`disgrl._hub.save_pretrained`)."""
        from .._hub import save_pretrained

        return save_pretrained(self, directory, **kwargs)

    def push_to_hub(self, repo_id: str, **kwargs: Any) -> str:
        """Upload the weights with a generated model card (see :func:`disgrl._hub.push_to_hub`)."""
        from .._hub import push_to_hub

        return push_to_hub(self, repo_id, **kwargs)

    @classmethod
    def from_pretrained(cls, ref: str | os.PathLike, **kwargs: Any) -> DisGRL:
        """The bare model from a weights folder, ``hf-hub:org/name`` or ``name.tag``."""
        from .._hub import load_model

        return load_model(ref, **kwargs)

    def freeze_encoder(self, freeze: bool = True) -> None:
        """Stop (or restart) gradient updates of the backbone's weights."""
        for p in self.encoder.parameters():
            p.requires_grad_(not freeze)
