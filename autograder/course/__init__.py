"""The course model: an assignment's release and checks, its notebooks, their solution
regions and the definitions a student's cells may bring along."""
