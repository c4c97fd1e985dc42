"""Use DisGRL's blocks (DEA, AFS, SAM, RFA) inside your own network.

A tiny two-level encoder-decoder classifier that:
* sharpens its features with DEA (discrepancy external attention),
* fuses a coarse and a fine level with AFS,
* reconstructs the input through SAM's graph reasoning,
* lets RFA steer the classifier with the reconstruction error |X - X̂|.

Run:  python examples/custom_layers.py [--size 64] [--steps 3]
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from torch import nn

from disgrl.layers import AFS, DEA, RFA, SAM


class TinyForgeryNet(nn.Module):
    def __init__(self, width: int = 32) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, width, 3, stride=2, padding=1), nn.BatchNorm2d(width), nn.ReLU())
        self.down = nn.Sequential(
            nn.Conv2d(width, 2 * width, 3, stride=2, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU()
        )
        self.dea = DEA(2 * width)  # (B, 2w, H/4, W/4) -> same
        self.afs = AFS(2 * width, width, width)  # coarse (2w) + fine (w) -> w at the fine size
        self.sam = SAM(width, width, channels=16, states=8, grid=2)  # -> (B, 16, H/2, W/2)
        self.to_rgb = nn.Conv2d(16, 3, 1)
        self.rfa = RFA(2 * width)  # steer the coarse features with |X - X̂|
        self.fc = nn.Linear(2 * width, 1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        f1 = self.stem(x)
        f2 = self.dea(self.down(f1))
        rec = F.interpolate(self.to_rgb(self.sam(self.afs(f2, f1), f1)), size=x.shape[-2:], mode="bilinear")
        fused = self.rfa(f2, (x - rec).abs())
        return self.fc(fused.mean((2, 3))), rec


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=64, help="input height and width")
    parser.add_argument("--steps", type=int, default=3, help="training steps on random data")
    args = parser.parse_args()

    torch.manual_seed(0)
    model = TinyForgeryNet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(8, 3, args.size, args.size) * 2 - 1
    y = torch.tensor([0.0, 1.0] * 4)
    for step in range(args.steps):
        logits, rec = model(x)
        real = y == 0
        loss = F.binary_cross_entropy_with_logits(logits[:, 0], y) + 0.1 * (rec[real] - x[real]).abs().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"step {step}: loss {loss.item():.4f}  logits {tuple(logits.shape)}  reconstruction {tuple(rec.shape)}")


if __name__ == "__main__":
    main()
