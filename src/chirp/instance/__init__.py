"""What the server says about itself: the instance entities clients read first."""
