# The ImageNet mean/std defined in the student's own earlier cell and used by the solution: the
# task asks for them in the solution cell (that is how the grader sees the answer is computed
# from them, not typed in), so the task earns nothing and the message says why.
# expect: imagenet_normalization=0
# fails: imagenet_normalization.test_shape imagenet_normalization.test_values imagenet_normalization.test_computed_from_constants

# %% extra after cosine_matrix_test
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]

# %% imagenet_normalization
images = torch.full((1, 3, 224, 224), 0.5)
mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
output = ((images - mean) / std).mean(dim=(0, 2, 3))
