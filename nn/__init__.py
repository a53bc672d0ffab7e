"""chainrule's neural networks on the ``autograd`` engine: modules, losses and optimizers.

The package is being built; see the README for what is available today.
"""
