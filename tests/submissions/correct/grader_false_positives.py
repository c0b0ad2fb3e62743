# Correct solutions this grader under-scores (see the corpus report): the cosine cell timed with the
# %%time cell magic; the ImageNet mean/std kept as named constants in the student's own cell before
# the task and used by it; torch seeded for reproducibility (as the notebook itself recommends)
# before a, b, c are drawn with torch.randn. Full marks.
# expect:
# fails:

# %% extra after cosine_matrix_test
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]

# %% cosine_matrix
%%time
X_unit = X / X.norm(dim=1, keepdim=True)
Y_unit = Y / Y.norm(dim=1, keepdim=True)
cos_mat = X_unit @ Y_unit.T

# %% imagenet_normalization
images = torch.full((1, 3, 224, 224), 0.5)
mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)
output = ((images - mean) / std).mean(dim=(0, 2, 3))

# %% regression_weights
torch.manual_seed(2024)  # reproducible initialization
a = torch.randn(1, device=device, requires_grad=True)
b = torch.randn(1, device=device, requires_grad=True)
c = torch.randn(1, device=device, requires_grad=True)
