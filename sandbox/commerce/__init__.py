"""Commerce on the simulated HUAWEI CLOUD: catalogue, ratings, yearly/monthly orders and resources."""
