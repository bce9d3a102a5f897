def run_all(state, pki, happysip, reference=True):
    return 0
