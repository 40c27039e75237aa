"""Content: the vocabulary (areas, audiences, topics), blocks, issues and audience variants."""
