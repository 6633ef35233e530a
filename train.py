"""Train the paragraph spam model from data/labeled/ and print honest, held-out metrics.

    python train.py [--data data/labeled] [--out models/spamfilter.joblib] [--seed 0]
"""

from classifier.training_cli import main

if __name__ == "__main__":
    raise SystemExit(main())
