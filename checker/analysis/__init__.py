"""What the model means: which actions deploy, to which environment, account and target, in what order."""
