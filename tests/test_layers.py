"""Shape contracts and equations of the standalone layers (SPEC §2-§5)."""

from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn.functional as F

from disgrl.layers import AFS, DEA, DFA, ECA, GCN, RFA, SAM, DWSepConv, ExternalAttention, eca_kernel_size

SIZES = [(1, 9, 9), (2, 17, 11), (3, 32, 24)]  # (batch, H, W): batch 1, odd, non-square
DTYPES = [torch.float32, torch.bfloat16]


@pytest.mark.parametrize("b,h,w", SIZES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_external_attention_shape(b, h, w, dtype):
    ea = ExternalAttention(8).to(dtype)
    x = torch.randn(b, 8, h, w, dtype=dtype)
    y = ea(x)
    assert y.shape == x.shape and y.dtype == dtype
    assert ea(x.flatten(2)).shape == (b, 8, h * w)


def test_external_attention_equation():
    ea = ExternalAttention(4, expansion=4)
    x = torch.randn(2, 4, 5, 6)
    m = ea.weight  # (S, C)
    a = torch.einsum("sc,bcn->bsn", m, x.flatten(2)).softmax(-1)
    a = a / (1e-9 + a.sum(1, keepdim=True))
    ref = torch.einsum("sc,bsn->bcn", m, a).view_as(x)
    torch.testing.assert_close(ea(x), ref)


def test_external_attention_rejects_bad_input():
    with pytest.raises(ValueError, match="channels"):
        ExternalAttention(8)(torch.randn(1, 4, 3, 3))
    with pytest.raises(ValueError, match="expected"):
        ExternalAttention(8)(torch.randn(8, 3))


def test_tied_memory_is_one_parameter_through_to_state_dict_and_deepcopy():
    ea = ExternalAttention(6)
    assert [n for n, _ in ea.named_parameters()] == ["weight"]
    assert list(ea.state_dict()) == ["weight"]
    x = torch.randn(2, 6, 4, 4)

    moved = copy.deepcopy(ea).to(torch.float64)
    assert [n for n, _ in moved.named_parameters()] == ["weight"]
    torch.testing.assert_close(moved(x.double()).float(), ea(x), atol=1e-5, rtol=1e-4)

    other = ExternalAttention(6)
    other.load_state_dict(ea.state_dict())
    torch.testing.assert_close(other(x), ea(x))
    # A gradient step on the one parameter moves both convolutions together.
    other(x).sum().backward()
    assert other.weight.grad is not None and other.weight.grad.abs().sum() > 0


def test_untied_memory_has_two_parameters():
    ea = ExternalAttention(6, tied=False)
    assert sorted(n for n, _ in ea.named_parameters()) == ["weight", "weight_out"]
    torch.testing.assert_close(ea.weight_out, ea.weight.t())
    tied = ExternalAttention(6)
    tied.load_state_dict({"weight": ea.weight.detach()})
    x = torch.randn(1, 6, 3, 3)
    torch.testing.assert_close(ea(x), tied(x))  # identical at init, free to diverge in training


@pytest.mark.parametrize("b,h,w", SIZES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("pool_size", [1, 2, None])
def test_dea_shape(b, h, w, dtype, pool_size):
    dea = DEA(8, pool_size=pool_size).to(dtype)
    x = torch.randn(b, 8, h, w, dtype=dtype)
    assert dea(x).shape == x.shape


def test_dea_equation():
    dea = DEA(8).eval()
    x = torch.randn(2, 8, 7, 5)
    f = dea.conv(x)
    d = f - F.adaptive_avg_pool2d(f, 1)
    ref = F.gelu(dea.norm(dea.proj(dea.attention(d))) + x)
    torch.testing.assert_close(dea(x), ref)


def test_dea_authors_options():
    dea = DEA(8, pool_size=None, pre_attention=True, tied=False).eval()
    x = torch.randn(1, 8, 6, 6)
    d = dea.conv(x) - x  # the authors' no-op pooling subtracts the block input
    d = dea.pre_conv(F.relu(dea.pre_bn(dea.conv(d))))
    ref = F.gelu(dea.norm(dea.proj(dea.attention(d))) + x)
    torch.testing.assert_close(dea(x), ref)
    assert dea.attention.weight_out is not None


def test_dea_group_norm_handles_odd_widths():
    assert DEA(6)(torch.randn(1, 6, 4, 4)).shape == (1, 6, 4, 4)


@pytest.mark.parametrize("b,h,w", SIZES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_afs_shape(b, h, w, dtype):
    afs = AFS(12, 8, 16).to(dtype)
    prev = torch.randn(b, 12, max(1, h // 2), max(1, w // 2), dtype=dtype)
    skip = torch.randn(b, 8, h, w, dtype=dtype)
    assert afs(prev, skip).shape == (b, 16, h, w)


def test_afs_equation_and_options():
    afs = AFS(4, 4, 6, value_kernel=5, residual_kernel=1).eval()
    prev, skip = torch.randn(1, 4, 3, 3), torch.randn(1, 4, 6, 6)
    x = torch.cat([F.interpolate(prev, (6, 6), mode="bilinear"), skip], 1)
    ref = F.gelu(afs.out(F.gelu(afs.value(x)) * torch.sigmoid(afs.attn(x)))) + afs.residual(x)
    torch.testing.assert_close(afs(prev, skip), ref)
    assert afs.value.depthwise.kernel_size == (5, 5) and afs.residual.kernel_size == (1, 1)
    assert DWSepConv(4, 6)(skip).shape == (1, 6, 6, 6)


def test_afs_without_skip():
    assert AFS(8, 0, 4)(torch.randn(2, 8, 5, 5)).shape == (2, 4, 5, 5)
    with pytest.raises(ValueError, match="skip"):
        AFS(8, 4, 4)(torch.randn(2, 8, 5, 5))


@pytest.mark.parametrize("b,h,w", SIZES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("guide_proj", [2, None])
def test_sam_shape(b, h, w, dtype, guide_proj):
    sam = SAM(16, 8, channels=12, states=6, grid=3, guide_proj=guide_proj).to(dtype)
    x = torch.randn(b, 16, h, w, dtype=dtype)
    guide = torch.randn(b, 8, 2 * h, 2 * w, dtype=dtype)
    assert sam(x, guide).shape == (b, 12, h, w)


def test_sam_equations():
    sam = SAM(8, 4, channels=6, states=5, grid=2, guide_proj=None).eval()
    x, guide = torch.randn(2, 8, 7, 9), torch.randn(2, 4, 7, 9)
    r = sam.reduce(x)
    th, ph = sam.theta(r).flatten(2), sam.phi(r)
    e = guide.softmax(1)[:, 1:2]
    fw = F.adaptive_avg_pool2d(ph * e, 4)[:, :, 1:-1, 1:-1].flatten(2)  # Eq. 5: 4 nodes
    cor = torch.einsum("bsk,bsn->bkn", fw, ph.flatten(2)).softmax(1)  # Eq. 6
    v = torch.einsum("bsn,bkn->bsk", th, cor)
    v = F.relu(sam.gcn.state_conv(sam.gcn.node_conv(v.transpose(1, 2)).transpose(1, 2) - v))
    g = torch.einsum("bsk,bkn->bsn", v, cor).view(2, 5, 7, 9)  # Eq. 7
    torch.testing.assert_close(sam(x, guide), r + sam.extend(g))  # Eq. 8


def test_sam_needs_two_guide_channels():
    with pytest.raises(ValueError, match="2 guide channels"):
        SAM(8, 1, guide_proj=None)


def test_gcn_shape():
    assert GCN(16, 9)(torch.randn(2, 16, 9)).shape == (2, 16, 9)


def test_eca_kernel_size_rule():
    assert eca_kernel_size(728) == 5
    assert eca_kernel_size(64) == 3
    for c in (16, 100, 2048):
        t = int((math.log2(c) + 1) / 2)
        assert eca_kernel_size(c) == (t if t % 2 else t + 1)
    assert ECA(728).conv.kernel_size == (5,)


@pytest.mark.parametrize("b,h,w", SIZES)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("gate,final", [("conv", True), ("conv_relu_conv", False)])
def test_rfa_shape(b, h, w, dtype, gate, final):
    rfa = RFA(16, gate=gate, final_conv=final).to(dtype)
    f = torch.randn(b, 16, h, w, dtype=dtype)
    r = torch.rand(b, 3, 4 * h, 4 * w, dtype=dtype)
    assert rfa(f, r).shape == f.shape


def test_rfa_equation():
    rfa = RFA(8).eval()
    f, r = torch.randn(2, 8, 5, 5), torch.rand(2, 3, 20, 20)
    gate = torch.sigmoid(rfa.gate(F.interpolate(r, (5, 5), mode="bilinear")))
    fd = rfa.fuse(f * gate + f)  # Eq. 10
    w = torch.sigmoid(rfa.eca.conv(fd.mean((2, 3)).unsqueeze(1))).view(2, 8, 1, 1)
    torch.testing.assert_close(rfa(f, r), rfa.proj(fd * w))  # Eq. 11


def test_dfa_shape():
    assert DFA(8, 4)(torch.randn(2, 8, 9, 7)).shape == (2, 4, 9, 7)


def test_layers_reject_wrong_channels():
    with pytest.raises(ValueError, match="DEA: expected 8 channels"):
        DEA(8)(torch.randn(1, 4, 5, 5))
    with pytest.raises(ValueError, match="RFA residual"):
        RFA(8)(torch.randn(1, 8, 5, 5), torch.randn(1, 1, 5, 5))
    with pytest.raises(ValueError, match="4-D"):
        SAM(8, 4)(torch.randn(8, 5, 5), torch.randn(1, 4, 5, 5))


def test_separable_options_keep_shapes():
    x = torch.randn(2, 8, 9, 7)
    dea = DEA(8, separable=True)
    assert dea(x).shape == x.shape and isinstance(dea.conv, torch.nn.Sequential)
    rfa = RFA(8, separable=True)
    assert rfa(x, torch.rand(2, 3, 18, 14)).shape == x.shape
    assert rfa.fuse[0].groups == 8
