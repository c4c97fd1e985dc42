"""``DisGRLConfig``: a dataclass that fully describes a DisGRL model and round-trips through JSON.

Every option of SPEC §8 is a field here, with the paper's behaviour as default; the
``disgrl_xception_official`` entrypoint sets the fields that reproduce the authors' code.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class EncoderConfig:
    """The backbone, split into five taps F1..F5 and an "exit" (SPEC §1).

    Attributes:
        backbone: a timm model name (``legacy_xception``, ``efficientnet_b0``, ``resnet50``...).
        taps: names of the backbone modules whose outputs are F1..F5; ``None`` reads them from
            timm's ``feature_info`` (the Xception defaults follow SPEC §1).
        exit: names of the modules run after DisAD; ``None`` = every module after the last tap
            up to the backbone's pooling / classifier.
        backbone_kwargs: extra keyword arguments for ``timm.create_model`` (e.g. ``drop_path_rate``).
    """

    backbone: str = "legacy_xception"
    taps: tuple[str, ...] | None = None
    exit: tuple[str, ...] | None = None
    backbone_kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class DEAConfig:
    """The DEA cascade of the encoder's discrepancy branch (SPEC §2; Eq. 1).

    ``enabled=False`` removes the branch (Table 5 rows a-d and f): then ``F_e = F5``.
    ``widths`` (one per level) first reduces each level's input ``Cat(D_{i-1}, F_i)`` with a
    1x1 conv + BN + ReLU, and ``separable`` makes DEA's 3x3 convolution depthwise-separable;
    both are off for the paper and on for ``disgrl_xception_lite``.
    """

    enabled: bool = True
    expansion: int = 4
    pool_size: int | None = 1
    pre_attention: bool = False
    tied: bool = True
    norm_groups: int = 4
    align_corners: bool = False
    widths: tuple[int, int, int, int] | None = None
    separable: bool = False


@dataclass
class DecoderConfig:
    """The three-AFS decoder (SPEC §3).

    ``skip_channels`` (F1..F4 widths) reduces the taps before the decoder, with the authors' DFA
    branches (``skip_reduce="dfa"``, SPEC §8 #5) or a 1x1 conv + BN + ReLU (``"conv"``);
    ``f5_channels`` likewise reduces F5 (1x1 conv). ``value_kernel`` / ``residual_kernel`` are
    SPEC §8 #6.
    """

    channels: tuple[int, int, int] = (256, 128, 64)
    value_kernel: int = 3
    residual_kernel: int = 3
    skip_channels: tuple[int, int, int, int] | None = None
    norm_groups: int = 4
    skip_reduce: str = "dfa"
    f5_channels: int | None = None


@dataclass
class ReconstructionConfig:
    """DouHR, the double-head reconstruction (SPEC §4; Eqs. 2, 4-8).

    ``rec1`` is the vision-based head (AFS), ``rec2`` the reasoning-based head (SAM).
    """

    rec1: bool = True
    rec2: bool = True
    rec1_channels: int = 32
    rec1_use_f1: bool = True
    sam_channels: int = 32
    sam_states: int = 16
    sam_grid: int = 4
    guide_proj: int | None = 2
    guide_interpolation: str = "bilinear"
    output_bn_relu: bool = False
    align_corners: bool = False


@dataclass
class DisADConfig:
    """DisAD, the discrepancy-aggregation detector with one RFA per head (SPEC §5; Eqs. 9-11).

    ``rfa=False`` replaces the RFAs by the plain sum ``F_e = D4 + F5`` (Table 5 rows d, e).
    ``after_exit_stages`` / ``skip_exit_stages`` / ``shared`` reproduce the authors' placement
    after block7 with block8 skipped and one RFA used twice (SPEC §8 #9). ``separable`` makes
    Eq. 10's 3x3 convolution depthwise-separable (``disgrl_xception_lite``).
    """

    rfa: bool = True
    gate: str = "conv"
    final_conv: bool = True
    shared: bool = False
    after_exit_stages: int = 0
    skip_exit_stages: tuple[str, ...] = ()
    align_corners: bool = False
    separable: bool = False


@dataclass
class ClassifierConfig:
    """Global average pool -> dropout -> MLP (Linear -> Hardswish -> Linear) -> logits."""

    num_classes: int = 1
    hidden: int | None = 1024
    dropout: float = 0.2
    act: str = "hardswish"


@dataclass
class DisGRLConfig:
    """Everything needed to build a :class:`~disgrl.models.DisGRL`.

    ``noise_std`` / ``noise_prob``: training-time white noise on the encoder's input (SPEC §6);
    reconstruction targets and residual masks always use the clean input.
    """

    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    dea: DEAConfig = field(default_factory=DEAConfig)
    decoder: DecoderConfig = field(default_factory=DecoderConfig)
    reconstruction: ReconstructionConfig = field(default_factory=ReconstructionConfig)
    disad: DisADConfig = field(default_factory=DisADConfig)
    classifier: ClassifierConfig = field(default_factory=ClassifierConfig)
    noise_std: float = 1e-6
    noise_prob: float = 0.5
    noise_clip: tuple[float, float] | None = (-1.0, 1.0)

    # ---------------------------------------------------------------- (de)serialisation
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists)."""
        return json.loads(json.dumps(dataclasses.asdict(self)))

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DisGRLConfig:
        """Rebuild a config from :meth:`to_dict`'s output; unknown keys raise a ``ValueError``."""
        return _from_dict(cls, data, "config")

    @classmethod
    def from_json(cls, text: str) -> DisGRLConfig:
        return cls.from_dict(json.loads(text))

    def validate(self) -> DisGRLConfig:
        """Raise a ``ValueError`` for combinations that cannot be built; return self."""
        heads = self.reconstruction.rec1 or self.reconstruction.rec2
        if self.disad.rfa and not heads:
            raise ValueError("disad.rfa=True needs at least one reconstruction head (reconstruction.rec1/rec2)")
        if self.classifier.num_classes < 1:
            raise ValueError(f"classifier.num_classes must be >= 1, got {self.classifier.num_classes}")
        if self.disad.gate not in ("conv", "conv_relu_conv"):
            raise ValueError(f"disad.gate must be 'conv' or 'conv_relu_conv', got {self.disad.gate!r}")
        if not 0.0 <= self.noise_prob <= 1.0:
            raise ValueError(f"noise_prob must be in [0, 1], got {self.noise_prob}")
        if len(self.decoder.channels) != 3:
            raise ValueError(f"decoder.channels needs three widths (AFS1..AFS3), got {self.decoder.channels}")
        if self.decoder.skip_reduce not in ("dfa", "conv"):
            raise ValueError(f"decoder.skip_reduce must be 'dfa' or 'conv', got {self.decoder.skip_reduce!r}")
        if self.dea.widths is not None and len(self.dea.widths) != 4:
            raise ValueError(f"dea.widths needs four widths (D1..D4), got {self.dea.widths}")
        if self.decoder.skip_channels is not None and len(self.decoder.skip_channels) != 4:
            raise ValueError(f"decoder.skip_channels needs four widths (F1..F4), got {self.decoder.skip_channels}")
        return self


SECTIONS: dict[str, type] = {
    "encoder": EncoderConfig,
    "dea": DEAConfig,
    "decoder": DecoderConfig,
    "reconstruction": ReconstructionConfig,
    "disad": DisADConfig,
    "classifier": ClassifierConfig,
}


def _from_dict(cls: type[T], data: dict[str, Any], where: str) -> T:
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a JSON object, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {sorted(unknown)}; valid fields: {sorted(names)}")
    kwargs = {}
    for key, value in data.items():
        kwargs[key] = _convert(hints[key], value, f"{where}.{key}")
    return cls(**kwargs)


def _convert(tp: Any, value: Any, where: str) -> Any:
    if dataclasses.is_dataclass(tp):
        return _from_dict(tp, value, where)
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(args[0], value, where)
    if origin is tuple and isinstance(value, (list, tuple)):
        return tuple(value)
    return value


def replace_section(section: Any, update: Any, name: str) -> Any:
    """Return ``section`` updated by a dict (field overrides) or replaced by an instance."""
    if isinstance(update, type(section)):
        return update
    if isinstance(update, dict):
        valid = {f.name for f in dataclasses.fields(section)}
        unknown = set(update) - valid
        if unknown:
            raise TypeError(f"{name}: unknown field(s) {sorted(unknown)}; valid fields: {sorted(valid)}")
        return dataclasses.replace(section, **update)
    raise TypeError(
        f"{name}: expected a dict of field overrides or a {type(section).__name__}, got {type(update).__name__}"
    )
