"""credal.MDP, credal.mdp_value and credal.mdp_optimal against IntervalMDP.jl's documented
example and against each other (the optimum is the best deterministic policy's value)."""
import itertools

import numpy as np
import pytest

import credal

# IntervalMDP.jl's documentation model: 3 states, 2 actions each, state 3 the absorbing target
LOWER = [[0, 0.1, 0.2], [0.5, 0.3, 0.1], [0.1, 0.2, 0.3], [0.2, 0.3, 0.4], [0, 0, 1], [0, 0, 1]]
UPPER = [[0.5, 0.6, 0.7], [0.7, 0.5, 0.3], [0.6, 0.5, 0.4], [0.6, 0.5, 0.4], [0, 0, 1], [0, 0, 1]]


def example(horizon):
    return credal.MDP([0, 2, 4, 6], np.arange(0, 19, 3), np.tile([0, 1, 2], 6),
                      lower=np.ravel(LOWER), upper=np.ravel(UPPER), target=[0, 0, 1],
                      horizon=horizon)


def test_interval_mdp_jl_example():
    opt = credal.mdp_optimal(example(10))
    np.testing.assert_allclose(opt.value, [0.9597716064, 0.9710050144, 1.0], atol=1e-10)
    assert opt.policy.shape == (10, 3) and opt.iterations == 10


def test_optimum_is_the_best_deterministic_policy():
    """Infinite horizon, zero lower bounds (nature may leave successors out)."""
    m = example(0)
    opt = credal.mdp_optimal(m)
    best = np.max([credal.mdp_value(m, m.policy(a)).value
                   for a in itertools.product(range(2), repeat=3)], axis=0)
    np.testing.assert_allclose(opt.value, best, atol=1e-11)
    np.testing.assert_allclose(credal.mdp_value(m, m.policy(opt.policy)).value, opt.value,
                               atol=1e-11)


def test_cooperative_value_where_nature_may_leave_successors_out():
    """Infinite horizon, zero lower bounds, nature helping: s0 may stay put ([0, 1]) or move to
    s3 ([0, 0.5]), which reaches the target s1 or the sink s2 with [0.4, 0.6] each. {s0} is an
    end component nature may keep; helping, it takes s0 to s3 (0.6); minimising, it stays (0)."""
    m = credal.MDP([0, 1, 2, 3, 4], [0, 2, 3, 4, 6], [0, 3, 1, 2, 1, 2],
                   lower=[0, 0, 1, 1, .4, .4], upper=[1, .5, 1, 1, .6, .6], target=[0, 1, 0, 0],
                   epsilon=1e-12)
    pi = m.policy([0, 0, 0, 0])
    np.testing.assert_allclose(credal.mdp_value(m, pi, cooperative=True).value, [.6, 1, 0, .6],
                               atol=1e-12)
    np.testing.assert_allclose(credal.mdp_value(m, pi).value, [0, 1, 0, .4], atol=1e-12)


def test_discounted_tv_ball_and_cooperation():
    """One state paying 1 that stays with nominal probability 0.4 (else an absorbing unpaid
    state), a TV ball of radius 0.2: nature keeps it 0.2 (0.6 cooperating); docs/math.md."""
    m = credal.MDP([0, 1, 2], [0, 2, 3], [0, 1, 1], nominal=[0.4, 0.6, 1.0], radius=[0.2, 0.0],
                   sets="tv_balls", objective="discounted", reward=[1.0, 0.0], discount=0.9,
                   epsilon=1e-12)
    pi = [1.0, 1.0]
    assert credal.mdp_value(m, pi).value[0] == pytest.approx(1 / (1 - 0.2 * 0.9), abs=1e-11)
    up = credal.mdp_value(m, pi, cooperative=True).value[0]
    assert up == pytest.approx(1 / (1 - 0.6 * 0.9), abs=1e-11)


def test_errors():
    m = example(0)
    with pytest.raises(credal.UsageError, match="actions"):
        m.policy([0, 2, 0])
    with pytest.raises(credal.DataError, match="sum to") as e:
        credal.mdp_value(m, np.full(6, 0.3))
    assert e.value.exit_status == 65
    with pytest.raises(credal.UsageError, match="sets"):
        credal.MDP([0, 1], [0, 1], [0], nominal=[1.0], radius=0.1)
    bad = credal.MDP([0, 1], [0, 2], [0, 0], lower=[0.5, 0.5], upper=[1, 1], target=[1])
    with pytest.raises(credal.DataError, match="ascending"):
        credal.mdp_optimal(bad)
