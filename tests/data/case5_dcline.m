function mpc = case5_dcline
%CASE5_DCLINE  5-bus test case for gridsim's MATPOWER reader (hand-written).
%   Two voltage levels (230/115 kV), a transformer given from its LV bus with an
%   off-nominal ratio, a phase shift and capacitive charging, a transformer from its HV
%   side with inductive magnetising, a PQ-bus generator, an out-of-service generator,
%   a bus shunt and an HVDC link (mpc.dcline) from bus 2 to bus 5.

%% MATPOWER Case Format : Version 2
mpc.version = '2';

%%-----  Power Flow Data  -----%%
%% system MVA base
mpc.baseMVA = 100;

%% bus data
%	bus_i	type	Pd	Qd	Gs	Bs	area	Vm	Va	baseKV	zone	Vmax	Vmin
mpc.bus = [
	1	3	0	0	0	0	1	1.02	2.5	230	1	1.1	0.9;
	2	2	80	20	0	0	1	1	0	230	1	1.1	0.9;
	3	1	120, 40, 1.5, 12.5, 1, 1, 0, 230, 2, 1.1, 0.9;   % commas are fine too
	4	1	60	25	0	0	1	1	0	115	2	1.1	0.9
	5	1	45	-5	0	0	1	1	0	115	2	1.1	0.9;
];

%% generator data
%	bus	Pg	Qg	Qmax	Qmin	Vg	mBase	status	Pmax	Pmin
mpc.gen = [
	1	0	0	300	-300	1.02	100	1	400	0	0	0	0	0	0	0	0	0	0	0	0;
	2	150	0	Inf	-Inf	1.01	100	1	200	0	0	0	0	0	0	0	0	0	0	0	0;
	5	20	5	10	-10	1.0	100	1	25	0	0	0	0	0	0	0	0	0	0	0	0;
	2	30	0	50	-50	1.03	100	0	60	0	0	0	0	0	0	0	0	0	0	0	0;
];

%% branch data
%	fbus	tbus	r	x	b	rateA	rateB	rateC	ratio	angle	status	angmin	angmax
mpc.branch = [
	1	2	0.0042	0.0423	0.075	250	250	250	0	0	1	-360	360;
	1	3	0.0065	0.0587	0.108	0	0	0	0	0	1	-360	360;
	2	3	0.0031	0.0301	0.055	180	180	180	1	0	1	-360	360;
	4	1	0.0021	0.0512	0.012	120	120	120	0.97	3	1	-360	360;
	3	5	1.0e-3	4.0E-2	-0.002	90	90	90	1.025	0	1	-360	360;
	4	5	0.0310	0.0820	0.0100	60	60	60	0	0	1	-360	360;
	2	3	0.0031	0.0301	0.055	180	180	180	0	0 ...
		0	-360	360;
];

%%-----  OPF Data  -----%%
%% generator cost data
%	2	startup	shutdown	n	c(n-1)	...	c0
mpc.gencost = [
	2	0	0	3	0.01	12.5	100;
	2	0	0	3	0	31	0;
	2	0	0	2	20	0	0;
	2	0	0	3	0	0	7;
];

%% dc line data
%	F_BUS	T_BUS	BR_STATUS	PF	PT	QF	QT	VF	VT	PMIN	PMAX	QMINF	QMAXF	QMINT	QMAXT	LOSS0	LOSS1
mpc.dcline = [
	2	5	1	40	38.6	0	0	1.01	0.99	-50	50	-30	30	-40	40	1	0.01;
];

%% bus names
mpc.bus_name = {
	'North 230';
	'West 230';
	'East 230';
	'Mine''s 115';
	'Town 115';
};
