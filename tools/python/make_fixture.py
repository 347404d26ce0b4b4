#!/usr/bin/env python3
"""Makes the float ONNX fixtures of `oda-model` (test/fixtures/byom/) the way a user would:
a small PyTorch MLP trained on a real tabular dataset that ships with scikit-learn, exported
with torch.onnx.export. Not needed by the node or the tests (they use the committed files).

Run: /usr/bin/python3 tools/python/make_fixture.py [outdir] [--only mlp,cnn,npy,reg]
     (Debian: apt install python3-torch python3-sklearn)

Datasets (scikit-learn copies of UCI data, BSD-3-Clause in scikit-learn; UCI CC BY 4.0):
breast cancer (Wisconsin diagnostic, 569 rows, 30 features, 2 classes) and wine (178 rows,
13 features, 3 classes). Split fixed as in the project's digits data: row i is evaluation iff
i % 5 == 0, the rest is training (and calibration) data.

Models: the feature standardisation is part of the module (Sub, Div in the graph), as a user
who does not want to ship a separate scaler would write it.
  breast-cancer-v1.onnx    30 -> 16 ReLU -> 2, barely trained (the model registered first)
  breast-cancer-v2.onnx    the same architecture trained to convergence (the improving update)
  breast-cancer-logreg.onnx 30 -> 1 + Sigmoid (a linear model, one logit)
  wine.onnx                13 -> 32 ReLU -> 3
  digits-cnn.onnx          a small CNN on scikit-learn's 8x8 digits (1797 images, 10 classes):
                           Conv 3x3 (8) ReLU MaxPool 2 -> Conv 3x3 (16) ReLU -> Flatten -> Linear 10;
                           digits-{train,eval}-x.npy [rows, 1, 8, 8] uint8 and -y.npy int64
  diabetes-v1.onnx, -v2.onnx  regression (objective neg-sse) on scikit-learn's diabetes data
                           (442 rows, 10 raw features, target = disease progression 25..346):
                           10 -> 32 ReLU -> 1, v1 one epoch (registered first), v2 25 epochs;
                           trained on the standardised target, which is then folded into the
                           last Linear layer so the exported output is in the target's units
NumPy files (numpy.save, the --calibration/--labels route of oda-model):
  wine-{train,eval}-x.npy  the wine features [rows, 13] float64, -y.npy labels int64
"""
import argparse
import os

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine

_p = argparse.ArgumentParser()
_p.add_argument('outdir', nargs='?')
_p.add_argument('--only', default='mlp,cnn,npy,reg', help='comma-separated: mlp, cnn, npy, reg')
_a = _p.parse_args()
ONLY = set(_a.only.split(','))
OUT = _a.outdir or os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'byom')


class Cnn(torch.nn.Module):
    """Pixels 0..16 scaled to [0, 1] inside the module (a Div by a constant, as users write it)."""
    def __init__(self):
        super().__init__()
        self.features = torch.nn.Sequential(
            torch.nn.Conv2d(1, 8, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
            torch.nn.Conv2d(8, 16, 3, padding=1), torch.nn.ReLU(), torch.nn.Flatten())
        self.fc = torch.nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        return self.fc(self.features(x / 16.0))


class Mlp(torch.nn.Module):
    def __init__(self, mean, std, sizes, sigmoid=False):
        super().__init__()
        self.register_buffer('mean', torch.tensor(mean, dtype=torch.float32))
        self.register_buffer('std', torch.tensor(std, dtype=torch.float32))
        layers = []
        for i in range(len(sizes) - 1):
            layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
            if i + 2 < len(sizes):
                layers.append(torch.nn.ReLU())
        if sigmoid:
            layers.append(torch.nn.Sigmoid())
        self.net = torch.nn.Sequential(*layers)

    def forward(self, x):
        return self.net((x - self.mean) / self.std)


def write_csv(path, names, x, y, fmt=lambda v: str(int(v))):
    with open(path, 'w') as f:
        f.write(','.join(names + ['target']) + '\n')
        for row, label in zip(x, y):
            f.write(','.join(repr(float(v)) for v in row) + ',' + fmt(label) + '\n')


def regression():
    d = load_diabetes(scaled=False)
    x, y = d.data.astype(np.float64), d.target.astype(np.float64)
    ev = np.arange(len(x)) % 5 == 0
    write_csv(os.path.join(OUT, 'diabetes-train.csv'), list(d.feature_names), x[~ev], y[~ev], fmt=lambda v: repr(float(v)))
    write_csv(os.path.join(OUT, 'diabetes-eval.csv'), list(d.feature_names), x[ev], y[ev], fmt=lambda v: repr(float(v)))
    mean, std = x[~ev].mean(0), x[~ev].std(0) + 1e-6
    ym, ys = float(y[~ev].mean()), float(y[~ev].std())
    xt, yt = torch.tensor(x[~ev], dtype=torch.float32), torch.tensor((y[~ev] - ym) / ys, dtype=torch.float32)

    def r2(model, xx, yy):
        with torch.no_grad():
            p = model(torch.tensor(xx, dtype=torch.float32))[:, 0].double().numpy()
        return 1 - ((p - yy) ** 2).sum() / ((yy - yy.mean()) ** 2).sum()

    for tag, epochs in (('v1', 1), ('v2', 25)):
        torch.manual_seed(0)
        model = Mlp(mean, std, [10, 32, 1])
        opt = torch.optim.Adam(model.parameters(), lr=0.003)
        gen = torch.Generator().manual_seed(1)
        for _ in range(epochs):
            perm = torch.randperm(len(xt), generator=gen)
            for i in range(0, len(xt), 32):
                idx = perm[i:i + 32]
                loss = torch.nn.functional.mse_loss(model(xt[idx])[:, 0], yt[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
        # Fold the target standardisation into the last layer: the output is in the target's units.
        last = model.net[-1]
        with torch.no_grad():
            last.weight.mul_(ys)
            last.bias.mul_(ys).add_(ym)
        print(f'diabetes-{tag}: float R2 train {r2(model, x[~ev], y[~ev]):.4f} eval {r2(model, x[ev], y[ev]):.4f}')
        export(model, x.shape[1], os.path.join(OUT, f'diabetes-{tag}.onnx'))


def train(model, x, y, epochs, lr, binary=False):
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    xt = torch.tensor(x, dtype=torch.float32)
    yt = torch.tensor(y)
    gen = torch.Generator().manual_seed(1)
    for _ in range(epochs):
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), 32):
            idx = perm[i:i + 32]
            out = model(xt[idx])
            if binary:
                loss = torch.nn.functional.binary_cross_entropy(out[:, 0], yt[idx].float())
            else:
                loss = torch.nn.functional.cross_entropy(out, yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model


def accuracy(model, x, y, binary=False):
    with torch.no_grad():
        out = model(torch.tensor(x, dtype=torch.float32))
        pred = (out[:, 0] > 0.5).long() if binary else out.argmax(1)
        return float((pred.numpy() == y).mean())


def export(model, n_features, path):
    model.eval()
    torch.onnx.export(model, torch.zeros(1, n_features), path, input_names=['features'], output_names=['logits'],
                      dynamic_axes={'features': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=17)


def cnn():
    from sklearn.datasets import load_digits
    d = load_digits()
    x, y = d.images.astype(np.float32)[:, None, :, :], d.target.astype(np.int64)
    ev = np.arange(len(x)) % 5 == 0
    for tag, m in (('train', ~ev), ('eval', ev)):
        np.save(os.path.join(OUT, f'digits-{tag}-x.npy'), x[m].astype(np.uint8))  # pixels are 0..16
        np.save(os.path.join(OUT, f'digits-{tag}-y.npy'), y[m])
    torch.manual_seed(0)
    model = train(Cnn(), x[~ev], y[~ev], epochs=15, lr=0.003)
    print(f'digits-cnn: float accuracy train {accuracy(model, x[~ev], y[~ev]):.4f} eval {accuracy(model, x[ev], y[ev]):.4f}')
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, 8, 8), os.path.join(OUT, 'digits-cnn.onnx'), input_names=['image'], output_names=['logits'],
                      dynamic_axes={'image': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=17)


def npy():
    d = load_wine()
    x, y = d.data.astype(np.float64), d.target.astype(np.int64)
    ev = np.arange(len(x)) % 5 == 0
    for tag, m in (('train', ~ev), ('eval', ev)):
        np.save(os.path.join(OUT, f'wine-{tag}-x.npy'), x[m])
        np.save(os.path.join(OUT, f'wine-{tag}-y.npy'), y[m])


def main():
    os.makedirs(OUT, exist_ok=True)
    if 'cnn' in ONLY:
        cnn()
    if 'npy' in ONLY:
        npy()
    if 'reg' in ONLY:
        regression()
    if 'mlp' not in ONLY:
        return
    for name, loader in (('breast-cancer', load_breast_cancer), ('wine', load_wine)):
        d = loader()
        x, y = d.data.astype(np.float64), d.target.astype(np.int64)
        names = [n.replace(' ', '_').replace('/', '_') for n in d.feature_names]
        ev = np.arange(len(x)) % 5 == 0
        write_csv(os.path.join(OUT, f'{name}-train.csv'), names, x[~ev], y[~ev])
        write_csv(os.path.join(OUT, f'{name}-eval.csv'), names, x[ev], y[ev])
        mean, std = x[~ev].mean(0), x[~ev].std(0) + 1e-6
        classes = int(y.max()) + 1
        torch.manual_seed(0)
        if name == 'breast-cancer':
            v1 = train(Mlp(mean, std, [30, 16, 2]), x[~ev], y[~ev], epochs=1, lr=0.003)
            torch.manual_seed(0)
            v2 = train(Mlp(mean, std, [30, 16, 2]), x[~ev], y[~ev], epochs=60, lr=0.003)
            torch.manual_seed(0)
            lr = train(Mlp(mean, std, [30, 1], sigmoid=True), x[~ev], y[~ev], epochs=40, lr=0.01, binary=True)
            for tag, m, b in (('v1', v1, False), ('v2', v2, False), ('logreg', lr, True)):
                print(f'{name}-{tag}: float accuracy train {accuracy(m, x[~ev], y[~ev], b):.4f} eval {accuracy(m, x[ev], y[ev], b):.4f}')
                export(m, x.shape[1], os.path.join(OUT, f'{name}-{tag}.onnx'))
        else:
            m = train(Mlp(mean, std, [13, 32, classes]), x[~ev], y[~ev], epochs=80, lr=0.003)
            print(f'{name}: float accuracy train {accuracy(m, x[~ev], y[~ev]):.4f} eval {accuracy(m, x[ev], y[ev]):.4f}')
            export(m, x.shape[1], os.path.join(OUT, f'{name}.onnx'))


if __name__ == '__main__':
    main()
