"""The Brian2 network: neuron and synapse equations, the closed-loop task controller, monitors.

One :class:`~brian2.NeuronGroup` holds every spiking neuron (leaky integrate-and-fire with
current-based AMPA, NMDA-like and GABA synapses, membrane noise); populations are index
ranges of it (:mod:`.layout`). Per-neuron values (time constants, tonic drive, noise,
which cue/context the cell answers to, whether it survived a lesion) are state variables
set at run time, so the compiled binary does not depend on any parameter value.

The task runs *inside* the simulation: a one-neuron ``controller`` group steps through the
element list (a :class:`~brian2.TimedArray` indexed by element number), switches the cue on,
receives the responses from per-channel ``readout`` units that fire when an M1 channel's
population rate crosses threshold, records each element with an
:class:`~brian2.EventMonitor`, and schedules the next stimulus one RSI after the key press
(or after the timeout). When the list is done it stops the simulation (C++ standalone:
``Network::_globally_stopped``). No Python runs between trials.

An element is one stimulus and its response: a trial of SRT and ASRT, one key of a DSP
sequence or of a finger-tapping period. A third buffer, ``segments``, marks where a
multi-key trial starts and how many elements it has: within a segment a timeout ends the
sequence (DSP, ``loop = 0``), or the segment repeats from its start until ``tap_len`` has
passed since its first onset (finger tapping, ``loop = 1``). The paradigm is a run-time
value: one compiled binary performs every paradigm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .layout import REGIONS, Layout
from .noise import hash_normal_function, noise_equations

__all__ = ["NetworkHandle", "build_network", "MAX_RUN_S"]

#: Interval (ms) of the dopamine-gated corticostriatal weight update (dopamine changes on a
#: ~100-ms scale, so a 20-ms update loses nothing and costs a tenth of a per-step update).
DOPAMINE_UPDATE_MS = 20.0

#: The controller's variables the trial monitor records at each element's ``record`` event
#: (the engine reads them back, with the event's time ``t``).
TRIAL_RECORD_VARIABLES = (
    "trial", "resp", "rt", "tgt", "npress", "t_on", "t_resp", "t_nd_trial", "timed_out", "seg_start"
)  # fmt: skip

#: Upper bound of simulated time; the controller stops the run when the trials are done.
MAX_RUN_S = 36_000.0

# external drive: the cue (visual cells of the target channel), the context (cells of the current
# previous-response/previous-stimulus pair), reward (SNc), end-of-movement reset (interneurons) and
# the suppression of the just-executed channel (M1 cells of the pressed key) and the readiness
# drive withdrawn from M1 during rests between blocks
_I_EXT = (
    "I_ext = a_cue*cue_on_c*int(tgt_c == ch) + a_ctx*int(ca < 0 or ctx_a_c == ca)*int(cb < 0 or ctx_b_c == cb)"
    " + a_rew*rew_now_c + a_rst*rst_now_c - a_sup*int(sup_key_c == ch) - a_rest*rest_now_c : volt"
)

# membrane noise: a standard normal value per participant seed, time step and neuron
# (:mod:`.noise`), so a participant's noise does not depend on what else the process simulates
_NOISE = "zn = hash_normal(seed_c, timestep(t, dt), i) : 1"

NEURON_EQUATIONS = f"""
dv/dt = alive*(-v + (ge + gn - gi)*mV + I_ext + bias - wa)/tau_m + alive*noise_amp*zn/sqrt(dt) : volt (unless refractory)
dwa/dt = -wa/tau_adapt : volt
dge/dt = -ge/tau_ampa : 1
dgn/dt = -gn/tau_nmda : 1
dgi/dt = -gi/tau_gaba : 1
dda/dt = -da/tau_da : 1
dcf/dt = -cf/tau_cf : 1
{_I_EXT}
{_NOISE}
tau_m : second (constant)
bias : volt (constant)
noise_amp : volt*second**-0.5 (constant)
a_cue : volt (constant)
a_ctx : volt (constant)
a_rew : volt (constant)
a_rst : volt (constant)
a_sup : volt (constant)
a_rest : volt (constant)
b_adapt : volt (constant)
tau_adapt : second (shared, constant)
alive : 1 (constant)
ch : integer (constant)
ca : integer (constant)
cb : integer (constant)
nspk : 1
syn : 1
v_th : volt (shared, constant)
v_reset : volt (shared, constant)
t_ref : second (shared, constant)
tau_ampa : second (shared, constant)
tau_nmda : second (shared, constant)
tau_gaba : second (shared, constant)
tau_da : second (shared, constant)
tau_cf : second (shared, constant)
cue_on_c : 1 (linked)
tgt_c : integer (linked)
ctx_a_c : integer (linked)
ctx_b_c : integer (linked)
rew_now_c : 1 (linked)
rst_now_c : 1 (linked)
key_c : integer (linked)
sup_key_c : integer (linked)
rest_now_c : 1 (linked)
eff = int(key_c >= 0)*(2*int(key_c == ch) - 1) : 1
seed_c : integer (linked)
"""  # noqa: E501

# a spike resets the membrane, is counted (regional meters) and adds to the adaptation current
NEURON_RESET = "v = v_reset\nnspk += 1\nwa += b_adapt"

CONTROLLER_EQUATIONS = """
trial : integer
n_trials : integer
seg_start : integer
seg_end : integer
in_seg : integer
loop : integer
timed_out : integer
phase : integer
tgt : integer
resp : integer
sel : integer
npress : integer
last_tgt : integer
ctx_a : integer
ctx_b : integer
ctx_a_next : integer
ctx_b_next : integer
ctx_pending : integer
correct : integer
until_correct : integer
seed_value : integer
t_on : second
t_next : second
t_resp : second
t_rew : second
t_ctx : second
ctx_delay : second
rt : second
rew_sign : 1
cue_on : 1
rew_now : 1
rst_now : 1
last_key : integer
key_now : integer
eff_dur : second
stopped : 1
t_stop : second
timeout : second
rsi : second
t_nd : second
nd_sigma : 1
t_nd_trial : second
vis_lat : second
rew_lat : second
rew_dur : second
rst_dur : second
tap_len : second
period_end : second
sup_key : integer
sup_dur : second
z_slip : 1
rest_now : 1
t_rest0 : second
t_engage : second
"""

# phase: 0 = waiting for the next stimulus, 1 = stimulus shown, 2 = trial over (record it).
# At each onset the trial's motor time ``t_nd_trial`` is drawn: the key of every press of the
# trial goes down that long after its readout crossing. It varies log-normally around ``t_nd``
# (``nd_sigma``: SD of its log; 0: always ``t_nd``), the trial-to-trial variability of
# non-decision time of diffusion-model fits (s_t; Ratcliff & Tuerlinckx 2002).
# Before a rest the context (previous response, stimulus before it) is cleared once the movement
# is over: after a break the next block starts without a context, as the first trial does.
# A rest (``rest_now``) lasts from the end of the last movement before a break until one RSI
# before the next stimulus: M1 loses its readiness drive (``a_rest``) meanwhile, so the first
# trial after a break is prepared for as long as any other.
# Segments (multi-key trials): ``segments(k)`` > 0 at the first element k of a DSP sequence or
# a tapping period gives its number of elements; the controller is then ``in_seg`` until the
# sequence ends (DSP: its last element or a timeout) or the tapping period is over (tapping:
# ``loop = 1``, the elements repeat from ``seg_start`` until ``period_end``). A wrong tap starts
# the sequence again, as the tapping score does (``motorseq.protocols.scoring.score_taps``: from
# its second element if the wrong key was the sequence's first).
_PERIOD_OVER = "in_seg == 1 and loop == 1 and t >= period_end"
CONTROLLER_EVENTS = {
    "onset": f"phase == 0 and trial < n_trials and t >= t_next and not ({_PERIOD_OVER})",
    "timeout": f"phase == 1 and t - t_on >= timeout and not ({_PERIOD_OVER})",
    "record": "phase == 2",
    "period_over": f"phase != 2 and {_PERIOD_OVER}",
    "finish": "phase == 0 and trial >= n_trials and t >= t_next and stopped < 0.5",
}

CONTROLLER_ACTIONS = {
    "onset": """
seg_len = int(segments((trial + 0.25)*ms))
starts = int(seg_len > 0 and in_seg == 0)
seg_start = starts*trial + (1 - starts)*(in_seg*seg_start + (1 - in_seg)*trial)
seg_end = starts*(trial + seg_len) + (1 - starts)*seg_end
period_end = starts*(t + tap_len) + (1 - starts)*period_end
in_seg = starts + (1 - starts)*in_seg
phase = 1
t_on = t
t_nd_trial = t_nd*exp(nd_sigma*hash_normal(seed_value, timestep(t, dt), nd_offset) - nd_sigma**2/2)
npress = 0
timed_out = 0
resp = -1
sel = -1
rt = -1*second
tgt = int(targets((trial + 0.25)*ms))
""",
    "timeout": """
phase = 2
timed_out = 1
t_resp = t
last_key = -1
""",
    "record": """
correct = int(resp == tgt)
t_rew = t + t_nd_trial*int(resp >= 0)
rew_sign = 2.0*correct - 1.0
aborted = in_seg*(1 - loop)*timed_out
nxt = trial + 1 + aborted*(seg_end - trial - 1)
wrap = in_seg*loop*int(nxt >= seg_end)
nxt = wrap*seg_start + (1 - wrap)*nxt
restart = in_seg*loop*(1 - correct)*int(resp >= 0)
nxt = restart*(seg_start + int(resp == int(targets((seg_start + 0.25)*ms)))) + (1 - restart)*nxt
wrap = wrap + restart - wrap*restart
in_seg = in_seg*int(nxt < seg_end)
pause = pauses((nxt + 0.25)*ms)*(1 - wrap)
t_next = t + t_nd_trial*int(resp >= 0) + rsi + pause
keep = int(pause <= 0*second)
t_rest0 = (1 - keep)*(t + t_nd_trial*int(resp >= 0)) + keep*t_rest0
t_engage = (1 - keep)*(t_next - rsi) + keep*t_engage
ctx_b_next = keep*last_tgt - (1 - keep)
last_tgt = keep*tgt - (1 - keep)
ctx_a_next = keep*(sel*int(sel >= 0) + tgt*int(sel < 0)) - (1 - keep)
ctx_pending = 1
t_ctx = t + ctx_delay
trial = nxt
phase = 0
""",
    # the tapping period is over: an element still waiting for its key is dropped, the
    # controller moves on to the element after the segment, and the rest before it begins
    "period_over": """
pause = pauses((seg_end + 0.25)*ms)
trial = seg_end
in_seg = 0
phase = 0
t_next = t + pause
clear = int(pause > 0*second)
t_rest0 = clear*t + (1 - clear)*t_rest0
t_engage = clear*(t + pause - rsi) + (1 - clear)*t_engage
ctx_b_next = -clear + (1 - clear)*ctx_b_next
ctx_a_next = -clear + (1 - clear)*ctx_a_next
last_tgt = -clear + (1 - clear)*last_tgt
t_ctx = clear*(t + ctx_delay) + (1 - clear)*t_ctx
ctx_pending = clear + (1 - clear)*ctx_pending
""",
    "finish": "t_stop = t\nstopped = stop_simulation(t)",
}

# a readout unit fired: the first press of a trial is the response; the trial ends on it
# (first-press rule) or on the first correct press (until-correct rule). With probability
# ``slip_rate`` (``z_slip``: the standard-normal quantile above which a draw is a slip) the finger
# that moves is a neighbour of the selected key (left or right at random; the only one at an
# edge): an execution error, independent of the selection (a lapse, Wichmann & Hill 2001); none in
# a rest run, where nothing is pressed. The slip happens downstream of the motor command, so the
# efference copy (``last_key``) and the next trial's context (``sel``) are the selected channel.
# A key goes down the trial's motor time (``t_nd_trial``) after the threshold crossing. A press
# whose key would go down after the response window (``timeout``) is not one, as in the task,
# where a key pressed after the timeout is not recorded: the trial times out.
RESPONSE_ON_PRE = """
ok = int(phase_post == 1)
ok = ok*int(t - t_on_post + t_nd_trial_post <= timeout_post)
slip = int(hash_normal(seed_value_post, timestep(t, dt), slip_offset) > z_slip_post)*(1 - rest_mode_post)
side = 2*int(hash_normal(seed_value_post, timestep(t, dt), slip_offset + 1) > 0) - 1
nb = ch_pre + side
nb = nb + 2*int(nb < 0) - 2*int(nb >= n_keys)
key = slip*nb + (1 - slip)*ch_pre
first = ok*int(npress_post == 0)
npress_post += ok
resp_post = first*key + (1 - first)*resp_post
sel_post = first*ch_pre + (1 - first)*sel_post
rt_post = first*(t - t_on_post + t_nd_trial_post) + (1 - first)*rt_post
done = ok*int(until_correct_post == 0 or key == tgt_post)
phase_post = done*2 + (1 - done)*phase_post
t_resp_post = ok*t + (1 - ok)*t_resp_post
last_key_post = ok*ch_pre + (1 - ok)*last_key_post
"""

CONTROLLER_EVERY_STEP = """
upd = ctx_pending*int(t >= t_ctx)
ctx_a = upd*ctx_a_next + (1 - upd)*ctx_a
ctx_b = upd*ctx_b_next + (1 - upd)*ctx_b
ctx_pending = ctx_pending*(1 - upd)
cue_on = int(phase == 1 and t - t_on >= vis_lat)
rew_now = rew_sign*int(t >= t_rew + rew_lat and t < t_rew + rew_lat + rew_dur)
rst_now = int(t >= t_resp and t < t_resp + rst_dur and trial > 0)
in_eff = int(t >= t_resp and t < t_resp + eff_dur and trial > 0)
key_now = in_eff*(last_key + 1) - 1
in_sup = int(t >= t_resp and t < t_resp + sup_dur and trial > 0)
sup_key = in_sup*(last_key + 1) - 1
rest_now = int(t >= t_rest0 and t < t_engage)*(1 - rest_mode)
"""

# slow Hebbian synapses (transition, visuomotor): a presynaptic trace paired with postsynaptic
# spikes potentiates (on_post, soft-bounded); each presynaptic spike depresses by eta*dec*w
HEBBIAN_SYNAPSE = """
w : 1
gmax : 1 (shared, constant)
eta : 1 (shared, constant)
dec : 1 (shared, constant)
tau_stdp : second (shared, constant)
dapre/dt = -apre/tau_stdp : 1 (event-driven)
"""
HEBBIAN_ON_PRE = "ge_post += gmax*w\nsyn_post += gmax*w\napre += 1\nw = clip(w - eta*dec*w, 0, 1)"

# --- paced blocks and synchronisation-continuation tapping (issue 17) ----------------------
# Paced blocks: ``paces(k)`` is the metronome inter-onset interval of element k (s; 0: self-paced;
# < 0: the protocol's tempo ramp, whose current tempo ``ramp_ioi`` the controller holds) and
# ``block_of(k)`` its block. At the first element of a block the ramp moves ``ramp_step`` faster
# (down to ``ramp_target``) when the previous block was a ramp block whose accuracy reached
# ``ramp_crit``; within a paced block every stimulus comes on the beat (``beat0 + n*cur_ioi``,
# or at the press if that is later), whatever the response, and the response window ends at the
# next beat (a press must go down before it).
# Tapping (``sct = 1``): an element is one series. Its onset is the first metronome beat; the
# controller enters phase 3, in which the cue and the M1 readout are off and the taps come from
# the SMA timer population (``timer``): cells driven by a ramp (``ramp``, slope ``slope``,
# reset by each tap command) whose population rate, read by ``timer_readout``, crossing
# threshold is the tap command; the key goes down ``t_nd`` (+ motor noise) later. Perceived
# clicks (``click_lat`` after each beat) and perceived taps (``fb_lat`` after each press) are
# paired; their difference ``err`` (in periods) corrects the ramp's phase (``alpha``) and slope (``beta``).
# After the last beat nothing corrects the timer: continuation is the timer's own rhythm.
TIMING_CONTROLLER_EQUATIONS = """
cur_ioi : second
ramp_ioi : second
ramp_target : second
ramp_step : second
ramp_crit : 1
cur_blk : integer
blk_n : integer
blk_ok : integer
prev_ramp : integer
beat0 : second
beat_n : integer
timeout_base : second
sct : integer
sct_ioi : second
sct_len : second
sync_beats : integer
n_beat : integer
n_tap : integer
click_lat : second
fb_lat : second
t_click : second
t_tapfb : second
click_pend : integer
tap_pend : integer
press_pend : integer
fb_wait : integer
t_press : second
t_fbdue : second
tap_cmd : integer
timer_on : integer
ramp : 1
slope : Hz
kcyc : 1
z_clock : 1
z_motor : 1
clock_cv : 1
motor_sd : second
alpha : 1
beta : 1
start_phase : 1
level : 1
"""

TIMING_EVENTS = {
    "sct_click": "phase == 3 and n_beat < sync_beats and t >= t_on + n_beat*sct_ioi + click_lat",
    "sct_tap": "phase == 3 and tap_cmd == 1",
    "sct_press": "phase == 3 and press_pend == 1 and t >= t_press",
    "sct_feedback": "phase == 3 and fb_wait == 1 and t >= t_fbdue",
    "sct_end": "phase == 3 and t >= t_on + sct_len",
}

# appended to the onset action: the tempo of the element (ramp step at a block's first element)
# and, for a tapping series, phase 3 with the timer stopped until the first beat is perceived
PACED_ONSET = """
blk = int(block_of((trial + 0.25)*ms))
newb = int(blk != cur_blk)
reached = int(blk_n > 0 and blk_ok >= ramp_crit*blk_n)
step_now = newb*prev_ramp*reached
faster = ramp_ioi - ramp_step
faster = faster*int(faster >= ramp_target) + ramp_target*int(faster < ramp_target)
ramp_ioi = step_now*faster + (1 - step_now)*ramp_ioi
blk_n = (1 - newb)*blk_n
blk_ok = (1 - newb)*blk_ok
cur_blk = blk
pv = paces((trial + 0.25)*ms)
is_ramp = int(pv < 0*second)
cur_ioi = is_ramp*ramp_ioi + (1 - is_ramp)*pv
prev_ramp = is_ramp
beat0 = newb*t + (1 - newb)*beat0
beat_n = newb + (1 - newb)*(beat_n + 1)
paced = int(cur_ioi > 0*second)
window = cur_ioi - t_nd_trial
window = window*int(window > 10*ms) + 10*ms*int(window <= 10*ms)
timeout = paced*window + (1 - paced)*timeout_base
phase = 3*sct + (1 - sct)*phase
n_beat = 0
n_tap = 0
click_pend = 0
tap_pend = 0
press_pend = 0
fb_wait = 0
tap_cmd = 0
timer_on = 0
ramp = 0
"""

# appended to the record action (``trial`` is already the next element): block accuracy, and
# within a paced block the next stimulus comes on the next beat
PACED_RECORD = """
blk_n += 1
blk_ok += correct
same = int(cur_ioi > 0*second and trial < n_trials and int(block_of((trial + 0.25)*ms)) == cur_blk)
t_beat = beat0 + beat_n*cur_ioi
t_free = t + t_nd_trial*int(resp >= 0)
t_next = same*(t_beat*int(t_beat >= t_free) + t_free*int(t_beat < t_free)) + (1 - same)*t_next
"""

TIMING_ACTIONS = {
    # a beat is perceived: the second one sets the slope from the interval (interval-tuned
    # ramping cells) and starts the ramp; a tap perceived before it is paired with it
    "sct_click": """
calib = int(n_beat == 1)
slope = calib*level/(t - t_click + 1*ms) + (1 - calib)*slope
ramp = calib*start_phase*level + (1 - calib)*ramp
timer_on = int(n_beat >= 1)
t_click = t
pair = int(tap_pend == 1 and timer_on == 1 and (t - t_tapfb)*slope/level < 0.5)
err = (t_tapfb - t)*slope/level
ramp = ramp + pair*alpha*err*level
slope = slope*(1 + pair*beta*err)
tap_pend = tap_pend*(1 - pair)
click_pend = 1 - pair
n_beat += 1
""",
    # the timer crossed threshold: the tap command; the ramp restarts with this cycle's slope
    # fluctuation, the key goes down after the motor delay
    "sct_tap": """
tap_cmd = 0
ramp = 0
kcyc = 1 + clock_cv*z_clock
t_press = t + t_nd + motor_sd*z_motor
press_pend = 1
""",
    "sct_press": """
press_pend = 0
fb_wait = 1
t_fbdue = t + fb_lat
n_tap += 1
""",
    # the tap's reafference is perceived: paired with a beat perceived before it
    "sct_feedback": """
fb_wait = 0
t_tapfb = t
pair = int(click_pend == 1 and (t - t_click)*slope/level < 0.5)
err = (t - t_click)*slope/level
ramp = ramp + pair*alpha*err*level
slope = slope*(1 + pair*beta*err)
click_pend = click_pend*(1 - pair)
tap_pend = 1 - pair
""",
    "sct_end": """
trial = trial + 1
phase = 0
timer_on = 0
ramp = 0
press_pend = 0
t_next = t + rsi + pauses((trial + 0.25)*ms)
""",
}

TIMER_EVERY_STEP = "ramp = ramp + slope*kcyc*dt*timer_on*int(phase == 3)"

#: Number of SMA timer cells (interval-tuned ramping cells) and the noise index offset of the
#: timer group (after the readout units; at most 64 channels).
N_TIMER = 20
TIMER_NOISE_OFFSET = 64
#: Noise index offset of the two draws of an execution slip (after the timer, before the spontaneous cells).
SLIP_NOISE_OFFSET = 100
MOTOR_TIME_NOISE_OFFSET = 102  # after the slip's two draws (SLIP_NOISE_OFFSET, + 1)

TIMER_EQUATIONS = """
dv/dt = (-v + a_ramp*ramp_c + bias_t)/tau_t + sig_t*sqrt(2/tau_t)*z_t/sqrt(dt) : volt (unless refractory)
z_t = hash_normal(seed_c, timestep(t, dt), noise_offset + i) : 1
ramp_c : 1 (linked)
seed_c : integer (linked)
a_ramp : volt (shared, constant)
bias_t : volt (shared, constant)
tau_t : second (shared, constant)
sig_t : volt (shared, constant)
v_th_t : volt (shared, constant)
v_reset_t : volt (shared, constant)
t_ref_t : second (shared, constant)
"""

TIMER_READOUT_EQUATIONS = """
dr/dt = -r/tau_r : Hz
z_c : 1
z_m : 1
seed_c : integer (linked)
phase_c : integer (linked)
on_c : integer (linked)
armed : 1
tau_r : second (shared, constant)
r_th : Hz (shared, constant)
r_low : Hz (shared, constant)
"""

# the timer readout fires only while a series runs with its timer on (its threshold condition)
TIMER_TO_CONTROLLER = """
tap_cmd_post = 1
z_clock_post = z_c_pre
z_motor_post = z_m_pre
"""

# --- rest between the sessions of a study (issue 17; models/offline.py) ----------------------
# ``rest_mode`` is 0 in every task. In a rest run (``rest_mode = 1``, no cues: every element's
# target is -1) each element is one reactivated item: while it is "shown" (phase 1) the
# ``spontaneous`` cells fire at random (a counter-based draw per cell and step above ``z_th``)
# and drive the SMA/premotor channel cells of every channel alike through ``spontaneous_drive``
# (``REPLAY_TARGET``; the visual cue cells until session 10, but a cue on every channel at once
# now drives every M1 channel's interneurons, ``visual->m1_inh``, and nothing is chosen); the
# channel that M1 and its readout pick is the item, and it becomes the context of the next one
# (``last_tgt`` is the replayed item, as the stimulus is in the task), so a burst of elements
# follows what the network learned (SMA transitions, the corticostriatal loop). Nothing else
# changes: the plasticity rules run as in the task.
REST_CONTROLLER_EQUATIONS = "rest_mode : integer\n"
REST_RECORD = "last_tgt = rest_mode*(keep*resp - (1 - keep)) + (1 - rest_mode)*last_tgt\n"
SPONTANEOUS_EQUATIONS = """
on_c : integer (linked)
phase_c : integer (linked)
seed_c : integer (linked)
z_th : 1 (shared, constant)
"""
SPONTANEOUS_THRESHOLD = "on_c == 1 and phase_c == 1 and hash_normal(seed_c, timestep(t, dt), noise_offset + i) > z_th"
SPONTANEOUS_DRIVE_SYNAPSE = "w_sp : 1 (shared, constant)"
SPONTANEOUS_DRIVE_ON_PRE = "ge_post += w_sp\nsyn_post += w_sp"
#: Noise index offset of the spontaneous cells (after the readout units and the timer).
SPONTANEOUS_NOISE_OFFSET = 128
#: Population the spontaneous cells of a rest run drive: replay of practised sequences arises
#: in sensorimotor cortex (Buch et al. 2021), not from a seen cue.
REPLAY_TARGET = "sma"

CONTROLLER_EQUATIONS += TIMING_CONTROLLER_EQUATIONS
CONTROLLER_EQUATIONS += REST_CONTROLLER_EQUATIONS
CONTROLLER_EVENTS.update(TIMING_EVENTS)
CONTROLLER_ACTIONS["onset"] += PACED_ONSET
CONTROLLER_ACTIONS["record"] += PACED_RECORD
CONTROLLER_ACTIONS["record"] += REST_RECORD
CONTROLLER_ACTIONS.update(TIMING_ACTIONS)

FIXED_ON_PRE = """
ge_post += w*int(kind == 0)
gn_post += w*int(kind == 1)
gi_post += w*int(kind == 2)
da_post += w*int(kind == 3)
cf_post += w*int(kind == 4)
syn_post += w*int(kind <= 2)
"""


@dataclass
class NetworkHandle:
    """The Brian2 objects of one built network (see :func:`build_network`)."""

    net: Any
    neurons: Any
    controller: Any
    readout: Any
    fixed: Any
    corticostriatal: Any
    parallel_fibre: Any
    transition: Any
    visuomotor: Any
    salience: Any
    meter: Any
    trial_monitor: Any
    meter_monitor: Any
    targets: Any
    pauses: Any
    max_trials: int
    meter_dt_s: float
    spike_monitor: Any = None
    segments: Any = None
    period_monitor: Any = None
    paces: Any = None
    block_of: Any = None
    timer: Any = None
    timer_readout: Any = None
    tap_monitor: Any = None
    series_monitor: Any = None
    pace_monitor: Any = None
    spontaneous: Any = None
    spontaneous_drive: Any = None

    def objects(self) -> dict[str, Any]:
        """Objects whose variables can be set at run time, by name."""
        return {
            "neurons": self.neurons,
            "controller": self.controller,
            "readout": self.readout,
            "fixed": self.fixed,
            "corticostriatal": self.corticostriatal,
            "parallel_fibre": self.parallel_fibre,
            "transition": self.transition,
            "visuomotor": self.visuomotor,
            "salience": self.salience,
            "timer": self.timer,
            "timer_readout": self.timer_readout,
            "spontaneous": self.spontaneous,
            "spontaneous_drive": self.spontaneous_drive,
        }


def _stop_function(standalone: bool):
    """Make a Brian2 function that ends the run early (standalone) or marks it done (runtime)."""
    from brian2 import Function, second

    def stop_simulation(t):  # runtime: the engine runs in chunks and checks ``stopped``
        return 1.0

    cpp = """
    double stop_simulation(double t)
    {
        Network::_globally_stopped = true;
        return 1.0;
    }
    """
    cython = """
    cdef double stop_simulation(double t):
        return 1.0
    """
    func = Function(
        stop_simulation, arg_units=[second], return_unit=1, arg_types=["float"], return_type="float",
        stateless=False,
    )  # fmt: skip
    func.implementations.add_implementation("cpp", cpp)
    func.implementations.add_implementation("cython", cython)
    return func


# --- named equations of the synapse models and the readout (used by build_network) -----------

# corticostriatal (context -> D1/D2 MSNs): eligibility from the efference copy, three-factor update
CORTICOSTRIATAL_SYNAPSE = """
w : 1
ws : 1
gmax : 1 (constant)
sgn : 1 (constant)
eta : 1 (shared, constant)
da0 : 1 (shared, constant)
k_fast : 1 (shared, constant)
k_slow : 1 (shared, constant)
a_minus : 1 (shared, constant)
a_het : 1 (constant)
tau_stdp : second (shared, constant)
tau_el : second (shared, constant)
dapre/dt = -apre/tau_stdp : 1 (event-driven)
delig/dt = -elig/tau_el : 1 (event-driven)
"""
CORTICOSTRIATAL_ON_PRE = (
    "ge_post += gmax*w\nsyn_post += gmax*w\napre += 1\nelig -= a_minus + a_het*int(eff_post < -0.5)"
)
CORTICOSTRIATAL_ON_POST = "elig += apre*int(eff_post > 0.5)"
# three-factor update: eligibility x (dopamine - tonic level), soft-bounded (potentiation
# scales with 1 - w, depression with w, so the weight settles at a level that grades with how
# reliably the context predicts the channel instead of drifting to a bound)
# (eta is per 10 ms of eligibility x dopamine; applied every DOPAMINE_UPDATE_MS).
# Two time scales: the transmitting weight w relaxes towards a consolidated weight ws
# (k_fast per update) that slowly follows it (k_slow), so what is practised for minutes
# resists a block of contrary experience and a learned effect keeps growing slowly
# (two-state motor learning, Smith et al. 2006; synaptic consolidation, Benna & Fusi 2016)
# D1 synapses are potentiated only with dopamine above its tonic level (LTP at D1 MSNs needs D1
# receptor activation; Shen et al. 2008): a dip does not turn the heterosynaptic (negative)
# eligibility of the unselected channels into potentiation. Without this gate the chronic dip
# of a dopamine lesion potentiated every unselected context->D1 synapse and cancelled the
# lesion's slowing within 40 trials (session 12).
CORTICOSTRIATAL_DOPAMINE_UPDATE = (
    "dw_cs = eta*sgn*elig*exp(-(t - lastupdate)/tau_el)*(da_post - da0)*update_scale"
    "*(1 - int(sgn > 0)*int(elig < 0)*int(da_post < da0))\n"
    "w = clip(w + dw_cs*((1 - w)*int(dw_cs > 0) + w*int(dw_cs <= 0)), 0, 1)\n"
    "w += (ws - w)*k_fast\n"
    "ws += (w - ws)*k_slow"
)

# parallel fibre -> Purkinje: LTD with the climbing-fibre trace, LTP without it
PARALLEL_FIBRE_SYNAPSE = """
w : 1
gmax : 1 (shared, constant)
ltd : 1 (shared, constant)
ltp : 1 (shared, constant)
"""
PARALLEL_FIBRE_ON_PRE = "ge_post += gmax*w\nsyn_post += gmax*w\nw = clip(w + ltp*(1 - w) - ltd*cf_post*w, 0, 1)"

# SMA context -> SMA channel (cortical transitions): Hebbian, scaled by dopamine
TRANSITION_SYNAPSE = HEBBIAN_SYNAPSE + "da0 : 1 (shared, constant)\n"
TRANSITION_ON_POST = "w = clip(w + eta*apre*(1 - w)*clip(da_post/da0, 0, 2), 0, 1)"

# visuomotor mapping: visual cue -> M1 synapses of the same channel, Hebbian (presynaptic
# trace x postsynaptic spike, soft-bounded, presynaptic depression keeps them normalised).
# The cue's cells fire only for the cued channel and that channel's M1 cells then fire, so
# every executed trial strengthens the stimulus-response mapping whatever the sequence:
# practice speeds all responses, random or sequenced (general skill)
VISUOMOTOR_ON_POST = "w = clip(w + eta*apre*(1 - w), 0, 1)"

# cue salience: visual cue -> CM-Pf synapses that depress with use and recover slowly
# (habituation); w is the efficacy left, recovered towards 1 since the last spike
SALIENCE_SYNAPSE = """
w : 1
t_last : second
gmax : 1 (shared, constant)
hab : 1 (shared, constant)
tau_rec : second (shared, constant)
"""
SALIENCE_ON_PRE = """
w = 1 - (1 - w)*exp(-(t - t_last)/tau_rec)
t_last = t
ge_post += gmax*w
syn_post += gmax*w
w = w*(1 - hab)
"""

# the response readout: a leaky rate per M1 channel (response preparation, as the lateralised
# readiness potential); crossing r_th while the stimulus is shown is a key press; it re-arms
# below r_low and is cleared when a trial ends. Between trials (phase 0) it integrates M1 output
# with gain ``prep``: a channel the network predicts is prepared before the stimulus, but no
# key goes down before it (Eimer et al. 1996: in sequence blocks the LRP of the expected
# response starts before the stimulus; Kornysheva et al. 2019: upcoming elements are
# pre-activated). Its noise (decision noise) runs while the stimulus is shown.
READOUT_EQUATIONS = """
dr/dt = -(r + inh*r_others)/tau_r + int(phase_c == 1)*sigma_r*sqrt(2/tau_r)*z_r/sqrt(dt) : Hz
r_others : Hz
inh : 1 (shared, constant)
conflict : 1 (shared, constant)
z_r = hash_normal(seed_c, timestep(t, dt), noise_offset + ch) : 1
seed_c : integer (linked)
ch : integer (constant)
sigma_r : Hz (shared, constant)
armed : 1
tau_r : second (shared, constant)
r_th : Hz (shared, constant)
r_low : Hz (shared, constant)
prep : 1 (shared, constant)
gain : 1
phase_c : integer (linked)
"""
READOUT_THRESHOLD = "r > r_th + conflict*r_others and armed > 0.5 and phase_c == 1"
#: (passed to Brian2 as a copy: a group with a threshold adds its "spike" event to the dict)
READOUT_EVENTS = {"rearm": "(armed < 0.5 and r < r_low) or phase_c != 1"}
READOUT_ON_REARM = "armed = 1\nr = r*int(phase_c <= 1)"
# the gain of the M1 input: 1 while the stimulus is shown, ``prep`` between trials, 0 otherwise
# (a state variable: a synapse cannot read the readout's linked phase)
READOUT_GAIN = "gain = int(phase_c == 1) + prep*int(phase_c == 0)\nr = clip(r, 0*r_low, r)"
M1_TO_READOUT_ON_PRE = "r_post += alive_pre*gain_post/(n_per_channel*tau_r_post)"

# efference copy of the executed key press (the pressed channel's cells, for efference_ms
# from the threshold crossing): gates corticostriatal eligibility (credit to the action taken)
# +1: this cell's channel was pressed; -1: another channel was pressed; 0: no efference copy
# (``eff`` in NEURON_EQUATIONS: a subexpression, evaluated only where a synapse reads it,
# instead of an update of every cell every step)

# regional meters: cumulative spikes and synaptic input summed per region every 10 ms
METER_EQUATIONS = "spk : 1\nsyn_tot : 1"
METERING_SYNAPSE = "spk_post = nspk_pre : 1 (summed)\nsyn_tot_post = syn_pre : 1 (summed)"

#: Controller variables each population cell reads (linked variable -> controller variable).
NEURON_LINKS = {
    "cue_on_c": "cue_on", "tgt_c": "tgt", "ctx_a_c": "ctx_a", "ctx_b_c": "ctx_b", "rew_now_c": "rew_now",
    "rst_now_c": "rst_now", "key_c": "key_now", "sup_key_c": "sup_key", "rest_now_c": "rest_now",
    "seed_c": "seed_value",
}  # fmt: skip


def _trial_buffers(
    max_trials: int,
    target_values: np.ndarray | None,
    pause_values: np.ndarray | None,
    segment_values: np.ndarray | None,
    pace_values: np.ndarray | None,
    block_values: np.ndarray | None,
) -> dict[str, Any]:
    """Return the trial-list TimedArrays, one value per element k, read at (k + 0.25) ms."""
    import brian2 as b2
    from brian2 import ms

    def filled(values: np.ndarray | None, size: int, dtype: Any, unit: Any = 1) -> np.ndarray:
        buffer = np.zeros(size, dtype=dtype) * unit  # a quantity refuses values of another dimension
        if values is not None:
            buffer[: values.size] = values[:size]
        return buffer

    return {
        "targets": b2.TimedArray(filled(target_values, max_trials, np.int32), dt=1 * ms, name="targets"),
        # rest before trial k (k = n_trials: after the last one)
        "pauses": b2.TimedArray(filled(pause_values, max_trials + 1, float, b2.second), dt=1 * ms, name="pauses"),
        # length of the multi-key trial starting at element k (0: none)
        "segments": b2.TimedArray(filled(segment_values, max_trials, np.int32), dt=1 * ms, name="segments"),
        # paced blocks: the metronome interval and the block of element k
        "paces": b2.TimedArray(filled(pace_values, max_trials, float, b2.second), dt=1 * ms, name="paces"),
        "block_of": b2.TimedArray(filled(block_values, max_trials, np.int32), dt=1 * ms, name="block_of"),
    }


def _build_controller(buffers: dict[str, Any], clock: Any, standalone: bool, hash_normal: Any, nd_offset: int) -> Any:
    """Create the one-element task controller (events, actions and per-step flags)."""
    import brian2 as b2

    namespace = {**buffers, "stop_simulation": _stop_function(standalone)}
    namespace.update(hash_normal=hash_normal, nd_offset=nd_offset)
    controller = b2.NeuronGroup(
        1, CONTROLLER_EQUATIONS, events=CONTROLLER_EVENTS, clock=clock, name="controller", namespace=namespace
    )
    for event, code in CONTROLLER_ACTIONS.items():
        controller.run_on_event(event, code)
    controller.run_regularly(CONTROLLER_EVERY_STEP, when="start", name="controller_flags")
    controller.run_regularly(TIMER_EVERY_STEP, when="start", order=1, name="controller_timer")
    return controller


def _build_neurons(layout: Layout, controller: Any, clock: Any, hash_normal: Any) -> Any:
    """Create every spiking cell of the populations, linked to the controller's flags."""
    import brian2 as b2

    neurons = b2.NeuronGroup(
        layout.n_neurons, noise_equations(NEURON_EQUATIONS), threshold="v > v_th", reset=NEURON_RESET,
        refractory="t_ref", method="euler", clock=clock, name="neurons", namespace={"hash_normal": hash_normal},
    )  # fmt: skip
    for linked, source in NEURON_LINKS.items():  # no index: read once per step, not per neuron
        setattr(neurons, linked, b2.linked_var(controller, source))
    return neurons


def _build_synapses(layout: Layout, neurons: Any, clock: Any) -> dict[str, Any]:
    """Create the fixed wiring and the five plastic projections, by name."""
    import brian2 as b2
    from brian2 import ms

    fixed = b2.Synapses(
        neurons, neurons, "w : 1\nkind : integer (constant)", on_pre=FIXED_ON_PRE, clock=clock, name="fixed"
    )
    fixed.connect(i=layout.conn["pre"], j=layout.conn["post"])
    fixed.kind = layout.conn["kind"]
    fixed.delay = layout.conn["delay_ms"] * ms

    plastic = {
        "corticostriatal": (CORTICOSTRIATAL_SYNAPSE, CORTICOSTRIATAL_ON_PRE, CORTICOSTRIATAL_ON_POST, 2),
        "parallel_fibre": (PARALLEL_FIBRE_SYNAPSE, PARALLEL_FIBRE_ON_PRE, None, 1),
        "transition": (TRANSITION_SYNAPSE, HEBBIAN_ON_PRE, TRANSITION_ON_POST, 2),
        "visuomotor": (HEBBIAN_SYNAPSE, HEBBIAN_ON_PRE, VISUOMOTOR_ON_POST, 2),
        "salience": (SALIENCE_SYNAPSE, SALIENCE_ON_PRE, None, 2),
    }
    groups = {"fixed": fixed}
    for name, (model, on_pre, on_post, delay_ms) in plastic.items():
        extra = {"on_post": on_post} if on_post else {}
        if name == "corticostriatal":
            extra["namespace"] = {"update_scale": DOPAMINE_UPDATE_MS / 10.0}
        group = b2.Synapses(neurons, neurons, model, on_pre=on_pre, clock=clock, name=name, **extra)
        pre, post = layout.plastic[name]
        group.connect(i=pre, j=post)
        group.delay = delay_ms * ms
        groups[name] = group
    groups["corticostriatal"].run_regularly(
        CORTICOSTRIATAL_DOPAMINE_UPDATE, dt=DOPAMINE_UPDATE_MS * ms, name="corticostriatal_dopamine"
    )
    return groups


def _build_readout(layout: Layout, neurons: Any, controller: Any, clock: Any, hash_normal: Any) -> tuple[Any, ...]:
    """Create the response readout per M1 channel, its M1 input and its key presses to the controller."""
    import brian2 as b2

    n_ch = layout.n_channels
    readout = b2.NeuronGroup(
        n_ch, noise_equations(READOUT_EQUATIONS), threshold=READOUT_THRESHOLD, reset="armed = 0",
        events=dict(READOUT_EVENTS), method="euler", clock=clock, name="readout",
        namespace={"hash_normal": hash_normal, "noise_offset": layout.n_neurons},
    )  # fmt: skip
    readout.phase_c = b2.linked_var(controller, "phase")
    readout.seed_c = b2.linked_var(controller, "seed_value")
    readout.run_on_event("rearm", READOUT_ON_REARM)
    readout.run_regularly(READOUT_GAIN, when="start", name="readout_gain")
    # lateral inhibition between the channels' readouts (leaky competing accumulators)
    competition = b2.Synapses(
        readout, readout, "r_others_post = r_pre : Hz (summed)", clock=clock, name="readout_competition"
    )
    competition.connect(condition="i != j")
    readout.ch = np.arange(n_ch)
    readout.armed = 1
    m1 = layout.indices("m1")
    to_readout = b2.Synapses(
        neurons, readout, on_pre=M1_TO_READOUT_ON_PRE, clock=clock, name="m1_to_readout",
        namespace={"n_per_channel": layout.size.sizes["m1"]},
    )  # fmt: skip
    to_readout.connect(i=m1, j=layout.channel[m1])
    responses = b2.Synapses(
        readout, controller, on_pre=RESPONSE_ON_PRE, clock=clock, name="responses",
        namespace={"hash_normal": hash_normal, "slip_offset": layout.n_neurons + SLIP_NOISE_OFFSET, "n_keys": n_ch},
    )  # fmt: skip
    responses.connect()
    return readout, to_readout, responses, competition


def _build_meters(layout: Layout, neurons: Any, meter_clock: Any) -> tuple[Any, Any, Any]:
    """Create the regional meters (spikes and synaptic input summed per region) and their monitor."""
    import brian2 as b2

    meter = b2.NeuronGroup(len(REGIONS), METER_EQUATIONS, clock=meter_clock, name="meter")
    region = layout.region_index()
    members = np.flatnonzero(region >= 0)
    metering = b2.Synapses(neurons, meter, METERING_SYNAPSE, clock=meter_clock, name="metering")
    metering.connect(i=members, j=region[members])
    meter_monitor = b2.StateMonitor(meter, ["spk", "syn_tot"], record=True, clock=meter_clock, name="meter_monitor")
    return meter, metering, meter_monitor


def _build_task_monitors(controller: Any) -> dict[str, Any]:
    """Create what records the task: each element, tapping-period ends, taps, series and tempo."""
    import brian2 as b2

    return {
        "trial_monitor": b2.EventMonitor(
            controller,
            "record",
            variables=list(TRIAL_RECORD_VARIABLES),
            name="trial_monitor",
        ),
        # the end of every tapping period (its onset is period_end - tap_len)
        "period_monitor": b2.EventMonitor(
            controller, "period_over", variables=["seg_start", "period_end"], name="period_monitor"
        ),
        "tap_monitor": b2.EventMonitor(controller, "sct_press", variables=["trial", "slope"], name="tap_monitor"),
        "series_monitor": b2.EventMonitor(controller, "sct_end", variables=["trial", "t_on"], name="series_monitor"),
        "pace_monitor": b2.EventMonitor(controller, "record", variables=["trial", "cur_ioi"], name="pace_monitor"),
    }


def build_network(
    layout: Layout,
    dt_ms: float,
    max_trials: int,
    standalone: bool,
    record_spikes: bool = False,
    target_values: np.ndarray | None = None,
    pause_values: np.ndarray | None = None,
    segment_values: np.ndarray | None = None,
    pace_values: np.ndarray | None = None,
    block_values: np.ndarray | None = None,
) -> NetworkHandle:
    """Create every Brian2 object of the network (structure only, no parameter values).

    Parameters
    ----------
    layout : Layout
        Populations and fixed wiring.
    dt_ms : float
        Time step (ms).
    max_trials : int
        Length of the trial-list buffer (the longest protocol the binary can run).
    standalone : bool
        Whether the current Brian2 device is C++ standalone (selects the stop mechanism).
    record_spikes : bool
        Also record every spike (for diagnostics; large).
    target_values : ndarray, optional
        Initial trial list (runtime device; standalone replaces it through run arguments).
    pause_values : brian2.Quantity, optional
        Rest (time) before each trial and, last, after the final trial (as ``target_values``).
    segment_values : ndarray, optional
        Number of elements of the multi-key trial (DSP sequence, tapping period) that starts at
        each element, 0 elsewhere (as ``target_values``).
    pace_values, block_values : brian2.Quantity, ndarray, optional
        Metronome inter-onset interval (time; 0 self-paced, < 0 the tempo ramp) and block number
        of each element (as ``target_values``).

    Returns
    -------
    NetworkHandle
    """
    import brian2 as b2
    from brian2 import ms

    buffers = _trial_buffers(max_trials, target_values, pause_values, segment_values, pace_values, block_values)
    # one clock for everything that runs every step (a clock per object costs a set
    # rebuild per step in the standalone network loop), one for the regional meters
    clock = b2.Clock(dt_ms * ms, name="model_clock")
    meter_dt = 10 * ms
    meter_clock = b2.Clock(meter_dt, name="meter_clock")
    hash_normal = hash_normal_function()
    controller = _build_controller(buffers, clock, standalone, hash_normal, layout.n_neurons + MOTOR_TIME_NOISE_OFFSET)
    neurons = _build_neurons(layout, controller, clock, hash_normal)
    synapses = _build_synapses(layout, neurons, clock)
    readout, to_readout, responses, competition = _build_readout(layout, neurons, controller, clock, hash_normal)
    meter, metering, meter_monitor = _build_meters(layout, neurons, meter_clock)
    monitors = _build_task_monitors(controller)
    timer, timer_readout, timing_objects = _timer_groups(
        controller, clock, hash_normal, layout.n_neurons + TIMER_NOISE_OFFSET
    )

    net = b2.Network(
        controller, neurons, *synapses.values(), readout, to_readout, responses, competition, meter, metering,
        monitors["trial_monitor"], monitors["period_monitor"], meter_monitor,
    )  # fmt: skip
    net.add(*timing_objects, monitors["tap_monitor"], monitors["series_monitor"], monitors["pace_monitor"])
    spontaneous, spontaneous_drive = _rest_groups(layout, neurons, controller, clock, hash_normal)
    net.add(spontaneous, spontaneous_drive)
    spike_monitor = None
    if record_spikes:
        spike_monitor = b2.SpikeMonitor(neurons, name="spike_monitor")
        net.add(spike_monitor)
    return NetworkHandle(
        net=net, neurons=neurons, controller=controller, readout=readout, **synapses,
        meter=meter, meter_monitor=meter_monitor, max_trials=max_trials,
        targets=buffers["targets"], pauses=buffers["pauses"], segments=buffers["segments"],
        paces=buffers["paces"], block_of=buffers["block_of"], timer=timer, timer_readout=timer_readout,
        **monitors, meter_dt_s=float(meter_dt / b2.second), spike_monitor=spike_monitor,
        spontaneous=spontaneous, spontaneous_drive=spontaneous_drive,
    )  # fmt: skip


def _timer_groups(controller: Any, clock: Any, hash_normal: Any, noise_offset: int) -> tuple[Any, Any, list]:
    """Create the SMA timer cells, their population readout and the tap-command synapse.

    The cells are driven by the controller's ramp (``ramp``; zero outside tapping series, so
    they are silent in every other paradigm); their spikes feed one leaky readout unit whose
    threshold crossing (armed only while a series runs and its timer is on) is a tap command.
    """
    import brian2 as b2

    timer = b2.NeuronGroup(
        N_TIMER, noise_equations(TIMER_EQUATIONS), threshold="v > v_th_t", reset="v = v_reset_t",
        refractory="t_ref_t", method="euler", clock=clock, name="timer",
        namespace={"hash_normal": hash_normal, "noise_offset": noise_offset},
    )  # fmt: skip
    timer.ramp_c = b2.linked_var(controller, "ramp")
    timer.seed_c = b2.linked_var(controller, "seed_value")
    readout = b2.NeuronGroup(
        1, TIMER_READOUT_EQUATIONS, threshold="r > r_th and armed > 0.5 and on_c == 1 and phase_c == 3",
        reset="armed = 0", events={"rearm": "armed < 0.5 and r < r_low"}, method="exact", clock=clock,
        name="timer_readout", namespace={"hash_normal": hash_normal, "noise_offset": noise_offset + N_TIMER},
    )  # fmt: skip
    readout.seed_c = b2.linked_var(controller, "seed_value")
    readout.phase_c = b2.linked_var(controller, "phase")
    readout.on_c = b2.linked_var(controller, "timer_on")
    readout.run_on_event("rearm", "armed = 1")
    # this step's clock and motor noise, read by the tap command (counter-based, per seed and step)
    readout.run_regularly(
        "z_c = hash_normal(seed_c, timestep(t, dt), noise_offset)\n"
        "z_m = hash_normal(seed_c, timestep(t, dt), noise_offset + 1)",
        when="start", name="timer_noise",
    )  # fmt: skip
    readout.armed = 1
    to_readout = b2.Synapses(
        timer, readout, on_pre="r_post += 1/(n_cells*tau_r_post)", clock=clock, name="timer_to_readout",
        namespace={"n_cells": N_TIMER},
    )  # fmt: skip
    to_readout.connect()
    taps = b2.Synapses(readout, controller, on_pre=TIMER_TO_CONTROLLER, clock=clock, name="timer_taps")
    taps.connect()
    return timer, readout, [timer, readout, to_readout, taps]


def _rest_groups(layout: Layout, neurons: Any, controller: Any, clock: Any, hash_normal: Any) -> tuple[Any, Any]:
    """Create the spontaneous cells of rest runs (one per SMA channel cell) and their drive to those cells.

    They fire only in a rest run (``controller.rest_mode = 1``) while an element is on, so in
    every task they are silent and the task's dynamics are those of the network without them.
    """
    import brian2 as b2

    target = layout.indices(REPLAY_TARGET)
    spontaneous = b2.NeuronGroup(
        target.size, SPONTANEOUS_EQUATIONS, threshold=SPONTANEOUS_THRESHOLD, reset="", clock=clock, name="spontaneous",
        namespace={"hash_normal": hash_normal, "noise_offset": layout.n_neurons + SPONTANEOUS_NOISE_OFFSET},
    )  # fmt: skip
    zeros = np.zeros(target.size, dtype=np.int64)
    spontaneous.on_c = b2.linked_var(controller, "rest_mode", index=zeros)
    spontaneous.phase_c = b2.linked_var(controller, "phase", index=zeros)
    spontaneous.seed_c = b2.linked_var(controller, "seed_value", index=zeros)
    drive = b2.Synapses(
        spontaneous, neurons, SPONTANEOUS_DRIVE_SYNAPSE, on_pre=SPONTANEOUS_DRIVE_ON_PRE, clock=clock,
        name="spontaneous_drive",
    )  # fmt: skip
    drive.connect(i=np.arange(target.size), j=target)
    return spontaneous, drive
