#define rand	pan_rand
#define pthread_equal(a,b)	((a)==(b))
#if defined(HAS_CODE) && defined(VERBOSE)
	#ifdef BFS_PAR
		bfs_printf("Pr: %d Tr: %d\n", II, t->forw);
	#else
		cpu_printf("Pr: %d Tr: %d\n", II, t->forw);
	#endif
#endif
	switch (t->forw) {
	default: Uerror("bad forward move");
	case 0:	/* if without executable clauses */
		continue;
	case 1: /* generic 'goto' or 'skip' */
		IfNotBlocked
		_m = 3; goto P999;
	case 2: /* generic 'else' */
		IfNotBlocked
		if (trpt->o_pm&1) continue;
		_m = 3; goto P999;

		 /* PROC :init: */
	case 3: // STATE 1 - shm_signal.pml:423 - [mem[(10+0)] = 1] (0:0:1 - 1)
		IfNotBlocked
		reached[3][1] = 1;
		(trpt+1)->bup.oval = ((int)now.mem[ Index((10+0), 12) ]);
		now.mem[ Index((10+0), 12) ] = 1;
#ifdef VAR_RANGES
		logval("mem[(10+0)]", ((int)now.mem[ Index((10+0), 12) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 4: // STATE 2 - shm_signal.pml:423 - [mem[(10+1)] = 1] (0:0:1 - 1)
		IfNotBlocked
		reached[3][2] = 1;
		(trpt+1)->bup.oval = ((int)now.mem[ Index((10+1), 12) ]);
		now.mem[ Index((10+1), 12) ] = 1;
#ifdef VAR_RANGES
		logval("mem[(10+1)]", ((int)now.mem[ Index((10+1), 12) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 5: // STATE 3 - shm_signal.pml:425 - [(run flusher(0))] (0:0:0 - 1)
		IfNotBlocked
		reached[3][3] = 1;
		if (!(addproc(II, 1, 0, 0, 0)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 6: // STATE 4 - shm_signal.pml:425 - [(run flusher(1))] (0:0:0 - 1)
		IfNotBlocked
		reached[3][4] = 1;
		if (!(addproc(II, 1, 0, 1, 0)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 7: // STATE 5 - shm_signal.pml:429 - [(run remote(0,1))] (0:0:0 - 1)
		IfNotBlocked
		reached[3][5] = 1;
		if (!(addproc(II, 1, 1, 0, 1)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 8: // STATE 6 - shm_signal.pml:431 - [(run owner(1,1))] (0:0:0 - 1)
		IfNotBlocked
		reached[3][6] = 1;
		if (!(addproc(II, 1, 2, 1, 1)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 9: // STATE 8 - shm_signal.pml:433 - [(timeout)] (0:0:0 - 1)
		IfNotBlocked
		reached[3][8] = 1;
		if (!(((trpt->tau)&1)))
			continue;
		_m = 1; goto P999; /* 0 */
	case 10: // STATE 9 - shm_signal.pml:440 - [assert((((remote_done[1]&&(seen[1]==2))&&(mem[((4*1)+2)]==0))&&(mem[((4*1)+1)]==0)))] (0:0:0 - 1)
		IfNotBlocked
		reached[3][9] = 1;
		spin_assert((((((int)now.remote_done[1])&&(((int)now.seen[1])==2))&&(((int)now.mem[ Index(((4*1)+2), 12) ])==0))&&(((int)now.mem[ Index(((4*1)+1), 12) ])==0)), "(((remote_done[1]&&(seen[1]==2))&&(mem[((4*1)+2)]==0))&&(mem[((4*1)+1)]==0))", II, tt, t);
		_m = 3; goto P999; /* 0 */
	case 11: // STATE 11 - shm_signal.pml:446 - [-end-] (0:0:0 - 1)
		IfNotBlocked
		reached[3][11] = 1;
		if (!delproc(1, II)) continue;
		_m = 3; goto P999; /* 0 */

		 /* PROC owner */
	case 12: // STATE 1 - shm_signal.pml:104 - [mem[(4*o)] = 1] (0:0:1 - 1)
		IfNotBlocked
		reached[2][1] = 1;
		(trpt+1)->bup.oval = ((int)now.mem[ Index((4*((int)((P2 *)_this)->o)), 12) ]);
		now.mem[ Index((4*((P2 *)_this)->o), 12) ] = 1;
#ifdef VAR_RANGES
		logval("mem[(4*owner:o)]", ((int)now.mem[ Index((4*((int)((P2 *)_this)->o)), 12) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 13: // STATE 4 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][4] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 14: // STATE 6 - shm_signal.pml:105 - [pe = mem[((4*o)+1)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][6] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 15: // STATE 8 - shm_signal.pml:309 - [(((di==1)||(pe==1)))] (0:0:2 - 1)
		IfNotBlocked
		reached[2][8] = 1;
		if (!(((((int)((P2 *)_this)->di)==1)||(((int)((P2 *)_this)->pe)==1))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: pe */  (trpt+1)->bup.ovals[1] = ((P2 *)_this)->pe;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->pe = 0;
		_m = 3; goto P999; /* 0 */
	case 16: // STATE 9 - shm_signal.pml:262 - [calls_now[o] = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[2][9] = 1;
		(trpt+1)->bup.oval = ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = 0;
#ifdef VAR_RANGES
		logval("calls_now[owner:o]", ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 17: // STATE 10 - shm_signal.pml:262 - [rounds = 0] (0:71:2 - 1)
		IfNotBlocked
		reached[2][10] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->rounds);
		((P2 *)_this)->rounds = 0;
#ifdef VAR_RANGES
		logval("owner:rounds", ((int)((P2 *)_this)->rounds));
#endif
		;
		/* merge: more = 0(71, 11, 71) */
		reached[2][11] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->more);
		((P2 *)_this)->more = 0;
#ifdef VAR_RANGES
		logval("owner:more", ((int)((P2 *)_this)->more));
#endif
		;
		/* merge: .(goto)(0, 72, 71) */
		reached[2][72] = 1;
		;
		_m = 3; goto P999; /* 2 */
	case 18: // STATE 12 - shm_signal.pml:105 - [en = mem[(4*o)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][12] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->en);
		((P2 *)_this)->en = ((int)now.mem[ Index((4*((int)((P2 *)_this)->o)), 12) ]);
#ifdef VAR_RANGES
		logval("owner:en", ((int)((P2 *)_this)->en));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 19: // STATE 14 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][14] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 20: // STATE 16 - shm_signal.pml:105 - [pe = mem[((4*o)+1)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][16] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 21: // STATE 18 - shm_signal.pml:266 - [(((en==1)&&((di==1)||(pe==1))))] (0:0:3 - 1)
		IfNotBlocked
		reached[2][18] = 1;
		if (!(((((int)((P2 *)_this)->en)==1)&&((((int)((P2 *)_this)->di)==1)||(((int)((P2 *)_this)->pe)==1)))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: en */  (trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((P2 *)_this)->en;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->en = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.ovals[1] = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: pe */  (trpt+1)->bup.ovals[2] = ((P2 *)_this)->pe;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->pe = 0;
		_m = 3; goto P999; /* 0 */
	case 22: // STATE 19 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][19] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 23: // STATE 21 - shm_signal.pml:271 - [(((di==1)&&(calls_now[o]>=1)))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][21] = 1;
		if (!(((((int)((P2 *)_this)->di)==1)&&(((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])>=1))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.oval = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		_m = 3; goto P999; /* 0 */
	case 24: // STATE 22 - shm_signal.pml:271 - [more = 1] (0:0:1 - 1)
		IfNotBlocked
		reached[2][22] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->more);
		((P2 *)_this)->more = 1;
#ifdef VAR_RANGES
		logval("owner:more", ((int)((P2 *)_this)->more));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 25: // STATE 24 - shm_signal.pml:272 - [(((di==1)&&(calls_now[o]<1)))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][24] = 1;
		if (!(((((int)((P2 *)_this)->di)==1)&&(((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])<1))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.oval = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		_m = 3; goto P999; /* 0 */
	case 26: // STATE 25 - shm_signal.pml:104 - [mem[((4*o)+2)] = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[2][25] = 1;
		(trpt+1)->bup.oval = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
		now.mem[ Index(((4*((P2 *)_this)->o)+2), 12) ] = 0;
#ifdef VAR_RANGES
		logval("mem[((4*owner:o)+2)]", ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 27: // STATE 28 - shm_signal.pml:105 - [v = mem[(8+o)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][28] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = ((int)now.mem[ Index((8+((int)((P2 *)_this)->o)), 12) ]);
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 28: // STATE 30 - shm_signal.pml:279 - [((v>seen[o]))] (0:0:0 - 1)
		IfNotBlocked
		reached[2][30] = 1;
		if (!((((int)((P2 *)_this)->v)>((int)now.seen[ Index(((int)((P2 *)_this)->o), 2) ]))))
			continue;
		_m = 3; goto P999; /* 0 */
	case 29: // STATE 31 - shm_signal.pml:279 - [seen[o] = v] (0:0:1 - 1)
		IfNotBlocked
		reached[2][31] = 1;
		(trpt+1)->bup.oval = ((int)now.seen[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.seen[ Index(((P2 *)_this)->o, 2) ] = ((int)((P2 *)_this)->v);
#ifdef VAR_RANGES
		logval("seen[owner:o]", ((int)now.seen[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 30: // STATE 36 - shm_signal.pml:280 - [calls_now[o] = (calls_now[o]+1)] (0:0:1 - 3)
		IfNotBlocked
		reached[2][36] = 1;
		(trpt+1)->bup.oval = ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = (((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])+1);
#ifdef VAR_RANGES
		logval("calls_now[owner:o]", ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 31: // STATE 37 - shm_signal.pml:281 - [assert((calls_now[o]<=1))] (0:0:0 - 1)
		IfNotBlocked
		reached[2][37] = 1;
		spin_assert((((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])<=1), "(calls_now[o]<=1)", II, tt, t);
		_m = 3; goto P999; /* 0 */
	case 32: // STATE 45 - shm_signal.pml:286 - [(more)] (335:0:3 - 1)
		IfNotBlocked
		reached[2][45] = 1;
		if (!(((int)((P2 *)_this)->more)))
			continue;
		/* merge: goto :b3(335, 46, 335) */
		reached[2][46] = 1;
		;
		/* merge: v = 0(335, 74, 335) */
		reached[2][74] = 1;
		(trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: di = 0(335, 75, 335) */
		reached[2][75] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = 0;
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		/* merge: pe = 0(335, 76, 335) */
		reached[2][76] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		/* merge: .(goto)(0, 81, 335) */
		reached[2][81] = 1;
		;
		/* merge: .(goto)(0, 336, 335) */
		reached[2][336] = 1;
		;
		_m = 3; goto P999; /* 6 */
	case 33: // STATE 48 - shm_signal.pml:104 - [mem[((4*o)+1)] = 0] (0:52:2 - 1)
		IfNotBlocked
		reached[2][48] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
		now.mem[ Index(((4*((P2 *)_this)->o)+1), 12) ] = 0;
#ifdef VAR_RANGES
		logval("mem[((4*owner:o)+1)]", ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]));
#endif
		;
		/* merge: clears[o] = (clears[o]+1)(52, 50, 52) */
		reached[2][50] = 1;
		(trpt+1)->bup.ovals[1] = ((int)now.clears[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.clears[ Index(((P2 *)_this)->o, 2) ] = (((int)now.clears[ Index(((int)((P2 *)_this)->o), 2) ])+1);
#ifdef VAR_RANGES
		logval("clears[owner:o]", ((int)now.clears[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 1 */
	case 34: // STATE 52 - shm_signal.pml:289 - [(1)] (63:0:1 - 1)
		IfNotBlocked
		reached[2][52] = 1;
		if (!(1))
			continue;
		/* merge: rounds = (rounds+1)(0, 53, 63) */
		reached[2][53] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->rounds);
		((P2 *)_this)->rounds = (((int)((P2 *)_this)->rounds)+1);
#ifdef VAR_RANGES
		logval("owner:rounds", ((int)((P2 *)_this)->rounds));
#endif
		;
		_m = 3; goto P999; /* 1 */
	case 35: // STATE 54 - shm_signal.pml:292 - [((rounds>=1))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][54] = 1;
		if (!((((int)((P2 *)_this)->rounds)>=1)))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: rounds */  (trpt+1)->bup.oval = ((P2 *)_this)->rounds;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->rounds = 0;
		_m = 3; goto P999; /* 0 */
	case 36: // STATE 55 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][55] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 37: // STATE 57 - shm_signal.pml:105 - [pe = mem[((4*o)+1)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][57] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 38: // STATE 59 - shm_signal.pml:294 - [more = ((di==1)||(pe==1))] (0:335:4 - 1)
		IfNotBlocked
		reached[2][59] = 1;
		(trpt+1)->bup.ovals = grab_ints(4);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->more);
		((P2 *)_this)->more = ((((int)((P2 *)_this)->di)==1)||(((int)((P2 *)_this)->pe)==1));
#ifdef VAR_RANGES
		logval("owner:more", ((int)((P2 *)_this)->more));
#endif
		;
		/* merge: goto :b3(335, 60, 335) */
		reached[2][60] = 1;
		;
		/* merge: v = 0(335, 74, 335) */
		reached[2][74] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: di = 0(335, 75, 335) */
		reached[2][75] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = 0;
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		/* merge: pe = 0(335, 76, 335) */
		reached[2][76] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		/* merge: .(goto)(0, 81, 335) */
		reached[2][81] = 1;
		;
		/* merge: .(goto)(0, 336, 335) */
		reached[2][336] = 1;
		;
		_m = 3; goto P999; /* 6 */
	case 39: // STATE 74 - shm_signal.pml:302 - [v = 0] (0:335:3 - 7)
		IfNotBlocked
		reached[2][74] = 1;
		(trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: di = 0(335, 75, 335) */
		reached[2][75] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = 0;
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		/* merge: pe = 0(335, 76, 335) */
		reached[2][76] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		/* merge: .(goto)(0, 81, 335) */
		reached[2][81] = 1;
		;
		/* merge: .(goto)(0, 336, 335) */
		reached[2][336] = 1;
		;
		_m = 3; goto P999; /* 4 */
	case 40: // STATE 83 - shm_signal.pml:358 - [(more)] (0:0:1 - 1)
		IfNotBlocked
		reached[2][83] = 1;
		if (!(((int)((P2 *)_this)->more)))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: more */  (trpt+1)->bup.oval = ((P2 *)_this)->more;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->more = 0;
		_m = 3; goto P999; /* 0 */
	case 41: // STATE 84 - shm_signal.pml:262 - [calls_now[o] = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[2][84] = 1;
		(trpt+1)->bup.oval = ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = 0;
#ifdef VAR_RANGES
		logval("calls_now[owner:o]", ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 42: // STATE 85 - shm_signal.pml:262 - [rounds = 0] (0:146:2 - 1)
		IfNotBlocked
		reached[2][85] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->rounds);
		((P2 *)_this)->rounds = 0;
#ifdef VAR_RANGES
		logval("owner:rounds", ((int)((P2 *)_this)->rounds));
#endif
		;
		/* merge: more = 0(146, 86, 146) */
		reached[2][86] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->more);
		((P2 *)_this)->more = 0;
#ifdef VAR_RANGES
		logval("owner:more", ((int)((P2 *)_this)->more));
#endif
		;
		/* merge: .(goto)(0, 147, 146) */
		reached[2][147] = 1;
		;
		_m = 3; goto P999; /* 2 */
	case 43: // STATE 87 - shm_signal.pml:105 - [en = mem[(4*o)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][87] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->en);
		((P2 *)_this)->en = ((int)now.mem[ Index((4*((int)((P2 *)_this)->o)), 12) ]);
#ifdef VAR_RANGES
		logval("owner:en", ((int)((P2 *)_this)->en));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 44: // STATE 89 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][89] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 45: // STATE 91 - shm_signal.pml:105 - [pe = mem[((4*o)+1)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][91] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 46: // STATE 93 - shm_signal.pml:266 - [(((en==1)&&((di==1)||(pe==1))))] (0:0:3 - 1)
		IfNotBlocked
		reached[2][93] = 1;
		if (!(((((int)((P2 *)_this)->en)==1)&&((((int)((P2 *)_this)->di)==1)||(((int)((P2 *)_this)->pe)==1)))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: en */  (trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((P2 *)_this)->en;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->en = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.ovals[1] = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: pe */  (trpt+1)->bup.ovals[2] = ((P2 *)_this)->pe;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->pe = 0;
		_m = 3; goto P999; /* 0 */
	case 47: // STATE 94 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][94] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 48: // STATE 96 - shm_signal.pml:271 - [(((di==1)&&(calls_now[o]>=1)))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][96] = 1;
		if (!(((((int)((P2 *)_this)->di)==1)&&(((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])>=1))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.oval = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		_m = 3; goto P999; /* 0 */
	case 49: // STATE 97 - shm_signal.pml:271 - [more = 1] (0:0:1 - 1)
		IfNotBlocked
		reached[2][97] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->more);
		((P2 *)_this)->more = 1;
#ifdef VAR_RANGES
		logval("owner:more", ((int)((P2 *)_this)->more));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 50: // STATE 99 - shm_signal.pml:272 - [(((di==1)&&(calls_now[o]<1)))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][99] = 1;
		if (!(((((int)((P2 *)_this)->di)==1)&&(((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])<1))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.oval = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		_m = 3; goto P999; /* 0 */
	case 51: // STATE 100 - shm_signal.pml:104 - [mem[((4*o)+2)] = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[2][100] = 1;
		(trpt+1)->bup.oval = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
		now.mem[ Index(((4*((P2 *)_this)->o)+2), 12) ] = 0;
#ifdef VAR_RANGES
		logval("mem[((4*owner:o)+2)]", ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 52: // STATE 103 - shm_signal.pml:105 - [v = mem[(8+o)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][103] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = ((int)now.mem[ Index((8+((int)((P2 *)_this)->o)), 12) ]);
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 53: // STATE 105 - shm_signal.pml:279 - [((v>seen[o]))] (0:0:0 - 1)
		IfNotBlocked
		reached[2][105] = 1;
		if (!((((int)((P2 *)_this)->v)>((int)now.seen[ Index(((int)((P2 *)_this)->o), 2) ]))))
			continue;
		_m = 3; goto P999; /* 0 */
	case 54: // STATE 106 - shm_signal.pml:279 - [seen[o] = v] (0:0:1 - 1)
		IfNotBlocked
		reached[2][106] = 1;
		(trpt+1)->bup.oval = ((int)now.seen[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.seen[ Index(((P2 *)_this)->o, 2) ] = ((int)((P2 *)_this)->v);
#ifdef VAR_RANGES
		logval("seen[owner:o]", ((int)now.seen[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 55: // STATE 111 - shm_signal.pml:280 - [calls_now[o] = (calls_now[o]+1)] (0:0:1 - 3)
		IfNotBlocked
		reached[2][111] = 1;
		(trpt+1)->bup.oval = ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = (((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])+1);
#ifdef VAR_RANGES
		logval("calls_now[owner:o]", ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 56: // STATE 112 - shm_signal.pml:281 - [assert((calls_now[o]<=1))] (0:0:0 - 1)
		IfNotBlocked
		reached[2][112] = 1;
		spin_assert((((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])<=1), "(calls_now[o]<=1)", II, tt, t);
		_m = 3; goto P999; /* 0 */
	case 57: // STATE 120 - shm_signal.pml:286 - [(more)] (335:0:3 - 1)
		IfNotBlocked
		reached[2][120] = 1;
		if (!(((int)((P2 *)_this)->more)))
			continue;
		/* merge: goto :b6(335, 121, 335) */
		reached[2][121] = 1;
		;
		/* merge: v = 0(335, 149, 335) */
		reached[2][149] = 1;
		(trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: di = 0(335, 150, 335) */
		reached[2][150] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = 0;
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		/* merge: pe = 0(335, 151, 335) */
		reached[2][151] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		/* merge: .(goto)(0, 336, 335) */
		reached[2][336] = 1;
		;
		_m = 3; goto P999; /* 5 */
	case 58: // STATE 123 - shm_signal.pml:104 - [mem[((4*o)+1)] = 0] (0:127:2 - 1)
		IfNotBlocked
		reached[2][123] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
		now.mem[ Index(((4*((P2 *)_this)->o)+1), 12) ] = 0;
#ifdef VAR_RANGES
		logval("mem[((4*owner:o)+1)]", ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]));
#endif
		;
		/* merge: clears[o] = (clears[o]+1)(127, 125, 127) */
		reached[2][125] = 1;
		(trpt+1)->bup.ovals[1] = ((int)now.clears[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.clears[ Index(((P2 *)_this)->o, 2) ] = (((int)now.clears[ Index(((int)((P2 *)_this)->o), 2) ])+1);
#ifdef VAR_RANGES
		logval("clears[owner:o]", ((int)now.clears[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 1 */
	case 59: // STATE 127 - shm_signal.pml:289 - [(1)] (138:0:1 - 1)
		IfNotBlocked
		reached[2][127] = 1;
		if (!(1))
			continue;
		/* merge: rounds = (rounds+1)(0, 128, 138) */
		reached[2][128] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->rounds);
		((P2 *)_this)->rounds = (((int)((P2 *)_this)->rounds)+1);
#ifdef VAR_RANGES
		logval("owner:rounds", ((int)((P2 *)_this)->rounds));
#endif
		;
		_m = 3; goto P999; /* 1 */
	case 60: // STATE 129 - shm_signal.pml:292 - [((rounds>=1))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][129] = 1;
		if (!((((int)((P2 *)_this)->rounds)>=1)))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: rounds */  (trpt+1)->bup.oval = ((P2 *)_this)->rounds;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->rounds = 0;
		_m = 3; goto P999; /* 0 */
	case 61: // STATE 130 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][130] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 62: // STATE 132 - shm_signal.pml:105 - [pe = mem[((4*o)+1)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][132] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 63: // STATE 134 - shm_signal.pml:294 - [more = ((di==1)||(pe==1))] (0:335:4 - 1)
		IfNotBlocked
		reached[2][134] = 1;
		(trpt+1)->bup.ovals = grab_ints(4);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->more);
		((P2 *)_this)->more = ((((int)((P2 *)_this)->di)==1)||(((int)((P2 *)_this)->pe)==1));
#ifdef VAR_RANGES
		logval("owner:more", ((int)((P2 *)_this)->more));
#endif
		;
		/* merge: goto :b6(335, 135, 335) */
		reached[2][135] = 1;
		;
		/* merge: v = 0(335, 149, 335) */
		reached[2][149] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: di = 0(335, 150, 335) */
		reached[2][150] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = 0;
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		/* merge: pe = 0(335, 151, 335) */
		reached[2][151] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		/* merge: .(goto)(0, 336, 335) */
		reached[2][336] = 1;
		;
		_m = 3; goto P999; /* 5 */
	case 64: // STATE 149 - shm_signal.pml:302 - [v = 0] (0:335:3 - 7)
		IfNotBlocked
		reached[2][149] = 1;
		(trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: di = 0(335, 150, 335) */
		reached[2][150] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = 0;
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		/* merge: pe = 0(335, 151, 335) */
		reached[2][151] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		/* merge: .(goto)(0, 336, 335) */
		reached[2][336] = 1;
		;
		_m = 3; goto P999; /* 3 */
	case 65: // STATE 153 - shm_signal.pml:371 - [(!(more))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][153] = 1;
		if (!( !(((int)((P2 *)_this)->more))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: more */  (trpt+1)->bup.oval = ((P2 *)_this)->more;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->more = 0;
		_m = 3; goto P999; /* 0 */
	case 66: // STATE 154 - shm_signal.pml:105 - [st = mem[(10+(1-o))]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][154] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->st);
		((P2 *)_this)->st = ((int)now.mem[ Index((10+(1-((int)((P2 *)_this)->o))), 12) ]);
#ifdef VAR_RANGES
		logval("owner:st", ((int)((P2 *)_this)->st));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 67: // STATE 156 - shm_signal.pml:316 - [((st==2))] (264:0:3 - 1)
		IfNotBlocked
		reached[2][156] = 1;
		if (!((((int)((P2 *)_this)->st)==2)))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: st */  (trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((P2 *)_this)->st;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->st = 0;
		/* merge: closed = 1(264, 157, 264) */
		reached[2][157] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->closed);
		((P2 *)_this)->closed = 1;
#ifdef VAR_RANGES
		logval("owner:closed", ((int)((P2 *)_this)->closed));
#endif
		;
		/* merge: goto :b8(264, 158, 264) */
		reached[2][158] = 1;
		;
		/* merge: blind = 0(264, 190, 264) */
		reached[2][190] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->blind);
		((P2 *)_this)->blind = 0;
#ifdef VAR_RANGES
		logval("owner:blind", ((int)((P2 *)_this)->blind));
#endif
		;
		_m = 3; goto P999; /* 3 */
	case 68: // STATE 163 - shm_signal.pml:105 - [en = mem[(4*o)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][163] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->en);
		((P2 *)_this)->en = ((int)now.mem[ Index((4*((int)((P2 *)_this)->o)), 12) ]);
#ifdef VAR_RANGES
		logval("owner:en", ((int)((P2 *)_this)->en));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 69: // STATE 165 - shm_signal.pml:105 - [pe = mem[((4*o)+1)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][165] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 70: // STATE 167 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][167] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 71: // STATE 169 - shm_signal.pml:319 - [((((en==1)&&((di==1)||(pe==1)))&&!(blind)))] (264:0:5 - 1)
		IfNotBlocked
		reached[2][169] = 1;
		if (!((((((int)((P2 *)_this)->en)==1)&&((((int)((P2 *)_this)->di)==1)||(((int)((P2 *)_this)->pe)==1)))&& !(((int)((P2 *)_this)->blind)))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: en */  (trpt+1)->bup.ovals = grab_ints(5);
		(trpt+1)->bup.ovals[0] = ((P2 *)_this)->en;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->en = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.ovals[1] = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: pe */  (trpt+1)->bup.ovals[2] = ((P2 *)_this)->pe;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->pe = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: blind */  (trpt+1)->bup.ovals[3] = ((P2 *)_this)->blind;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->blind = 0;
		/* merge: goto :b8(264, 170, 264) */
		reached[2][170] = 1;
		;
		/* merge: blind = 0(264, 190, 264) */
		reached[2][190] = 1;
		(trpt+1)->bup.ovals[4] = ((int)((P2 *)_this)->blind);
		((P2 *)_this)->blind = 0;
#ifdef VAR_RANGES
		logval("owner:blind", ((int)((P2 *)_this)->blind));
#endif
		;
		_m = 3; goto P999; /* 2 */
	case 72: // STATE 172 - shm_signal.pml:321 - [wa = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[2][172] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->wa);
		((P2 *)_this)->wa = 0;
#ifdef VAR_RANGES
		logval("owner:wa", ((int)((P2 *)_this)->wa));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 73: // STATE 174 - shm_signal.pml:328 - [(((((mem[(4*o)]==en)&&(mem[((4*o)+1)]==pe))&&(mem[((4*o)+2)]==di))&&(mem[((4*o)+3)]==wa)))] (181:0:5 - 1)
		IfNotBlocked
		reached[2][174] = 1;
		if (!(((((((int)now.mem[ Index((4*((int)((P2 *)_this)->o)), 12) ])==((int)((P2 *)_this)->en))&&(((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ])==((int)((P2 *)_this)->pe)))&&(((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ])==((int)((P2 *)_this)->di)))&&(((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+3), 12) ])==((int)((P2 *)_this)->wa)))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: en */  (trpt+1)->bup.ovals = grab_ints(5);
		(trpt+1)->bup.ovals[0] = ((P2 *)_this)->en;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->en = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: pe */  (trpt+1)->bup.ovals[1] = ((P2 *)_this)->pe;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->pe = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.ovals[2] = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: wa */  (trpt+1)->bup.ovals[3] = ((P2 *)_this)->wa;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->wa = 0;
		/* merge: asleep[o] = 1(181, 175, 181) */
		reached[2][175] = 1;
		(trpt+1)->bup.ovals[4] = ((int)now.asleep[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.asleep[ Index(((P2 *)_this)->o, 2) ] = 1;
#ifdef VAR_RANGES
		logval("asleep[owner:o]", ((int)now.asleep[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		/* merge: .(goto)(181, 179, 181) */
		reached[2][179] = 1;
		;
		_m = 3; goto P999; /* 2 */
	case 74: // STATE 179 - shm_signal.pml:332 - [.(goto)] (0:181:0 - 2)
		IfNotBlocked
		reached[2][179] = 1;
		;
		_m = 3; goto P999; /* 0 */
	case 75: // STATE 177 - shm_signal.pml:330 - [(1)] (181:0:0 - 1)
		IfNotBlocked
		reached[2][177] = 1;
		if (!(1))
			continue;
		/* merge: .(goto)(181, 179, 181) */
		reached[2][179] = 1;
		;
		_m = 3; goto P999; /* 1 */
	case 76: // STATE 181 - shm_signal.pml:333 - [(!(asleep[o]))] (0:0:0 - 1)
		IfNotBlocked
		reached[2][181] = 1;
		if (!( !(((int)now.asleep[ Index(((int)((P2 *)_this)->o), 2) ]))))
			continue;
		_m = 3; goto P999; /* 0 */
	case 77: // STATE 182 - shm_signal.pml:335 - [blind = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[2][182] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->blind);
		((P2 *)_this)->blind = 0;
#ifdef VAR_RANGES
		logval("owner:blind", ((int)((P2 *)_this)->blind));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 78: // STATE 190 - shm_signal.pml:383 - [blind = 0] (0:264:1 - 5)
		IfNotBlocked
		reached[2][190] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->blind);
		((P2 *)_this)->blind = 0;
#ifdef VAR_RANGES
		logval("owner:blind", ((int)((P2 *)_this)->blind));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 79: // STATE 191 - shm_signal.pml:384 - [(closed)] (0:0:1 - 1)
		IfNotBlocked
		reached[2][191] = 1;
		if (!(((int)((P2 *)_this)->closed)))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: closed */  (trpt+1)->bup.oval = ((P2 *)_this)->closed;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->closed = 0;
		_m = 3; goto P999; /* 0 */
	case 80: // STATE 192 - shm_signal.pml:262 - [calls_now[o] = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[2][192] = 1;
		(trpt+1)->bup.oval = ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = 0;
#ifdef VAR_RANGES
		logval("calls_now[owner:o]", ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 81: // STATE 193 - shm_signal.pml:262 - [rounds = 0] (0:254:2 - 1)
		IfNotBlocked
		reached[2][193] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->rounds);
		((P2 *)_this)->rounds = 0;
#ifdef VAR_RANGES
		logval("owner:rounds", ((int)((P2 *)_this)->rounds));
#endif
		;
		/* merge: more = 0(254, 194, 254) */
		reached[2][194] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->more);
		((P2 *)_this)->more = 0;
#ifdef VAR_RANGES
		logval("owner:more", ((int)((P2 *)_this)->more));
#endif
		;
		/* merge: .(goto)(0, 255, 254) */
		reached[2][255] = 1;
		;
		_m = 3; goto P999; /* 2 */
	case 82: // STATE 195 - shm_signal.pml:105 - [en = mem[(4*o)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][195] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->en);
		((P2 *)_this)->en = ((int)now.mem[ Index((4*((int)((P2 *)_this)->o)), 12) ]);
#ifdef VAR_RANGES
		logval("owner:en", ((int)((P2 *)_this)->en));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 83: // STATE 197 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][197] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 84: // STATE 199 - shm_signal.pml:105 - [pe = mem[((4*o)+1)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][199] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 85: // STATE 201 - shm_signal.pml:266 - [(((en==1)&&((di==1)||(pe==1))))] (0:0:3 - 1)
		IfNotBlocked
		reached[2][201] = 1;
		if (!(((((int)((P2 *)_this)->en)==1)&&((((int)((P2 *)_this)->di)==1)||(((int)((P2 *)_this)->pe)==1)))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: en */  (trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((P2 *)_this)->en;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->en = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.ovals[1] = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: pe */  (trpt+1)->bup.ovals[2] = ((P2 *)_this)->pe;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->pe = 0;
		_m = 3; goto P999; /* 0 */
	case 86: // STATE 202 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][202] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 87: // STATE 204 - shm_signal.pml:271 - [(((di==1)&&(calls_now[o]>=1)))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][204] = 1;
		if (!(((((int)((P2 *)_this)->di)==1)&&(((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])>=1))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.oval = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		_m = 3; goto P999; /* 0 */
	case 88: // STATE 205 - shm_signal.pml:271 - [more = 1] (0:0:1 - 1)
		IfNotBlocked
		reached[2][205] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->more);
		((P2 *)_this)->more = 1;
#ifdef VAR_RANGES
		logval("owner:more", ((int)((P2 *)_this)->more));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 89: // STATE 207 - shm_signal.pml:272 - [(((di==1)&&(calls_now[o]<1)))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][207] = 1;
		if (!(((((int)((P2 *)_this)->di)==1)&&(((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])<1))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.oval = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		_m = 3; goto P999; /* 0 */
	case 90: // STATE 208 - shm_signal.pml:104 - [mem[((4*o)+2)] = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[2][208] = 1;
		(trpt+1)->bup.oval = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
		now.mem[ Index(((4*((P2 *)_this)->o)+2), 12) ] = 0;
#ifdef VAR_RANGES
		logval("mem[((4*owner:o)+2)]", ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 91: // STATE 211 - shm_signal.pml:105 - [v = mem[(8+o)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][211] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = ((int)now.mem[ Index((8+((int)((P2 *)_this)->o)), 12) ]);
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 92: // STATE 213 - shm_signal.pml:279 - [((v>seen[o]))] (0:0:0 - 1)
		IfNotBlocked
		reached[2][213] = 1;
		if (!((((int)((P2 *)_this)->v)>((int)now.seen[ Index(((int)((P2 *)_this)->o), 2) ]))))
			continue;
		_m = 3; goto P999; /* 0 */
	case 93: // STATE 214 - shm_signal.pml:279 - [seen[o] = v] (0:0:1 - 1)
		IfNotBlocked
		reached[2][214] = 1;
		(trpt+1)->bup.oval = ((int)now.seen[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.seen[ Index(((P2 *)_this)->o, 2) ] = ((int)((P2 *)_this)->v);
#ifdef VAR_RANGES
		logval("seen[owner:o]", ((int)now.seen[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 94: // STATE 219 - shm_signal.pml:280 - [calls_now[o] = (calls_now[o]+1)] (0:0:1 - 3)
		IfNotBlocked
		reached[2][219] = 1;
		(trpt+1)->bup.oval = ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = (((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])+1);
#ifdef VAR_RANGES
		logval("calls_now[owner:o]", ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 95: // STATE 220 - shm_signal.pml:281 - [assert((calls_now[o]<=1))] (0:0:0 - 1)
		IfNotBlocked
		reached[2][220] = 1;
		spin_assert((((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])<=1), "(calls_now[o]<=1)", II, tt, t);
		_m = 3; goto P999; /* 0 */
	case 96: // STATE 228 - shm_signal.pml:286 - [(more)] (338:0:4 - 1)
		IfNotBlocked
		reached[2][228] = 1;
		if (!(((int)((P2 *)_this)->more)))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: more */  (trpt+1)->bup.ovals = grab_ints(4);
		(trpt+1)->bup.ovals[0] = ((P2 *)_this)->more;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->more = 0;
		/* merge: goto :b9(338, 229, 338) */
		reached[2][229] = 1;
		;
		/* merge: v = 0(338, 257, 338) */
		reached[2][257] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: di = 0(338, 258, 338) */
		reached[2][258] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = 0;
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		/* merge: pe = 0(338, 259, 338) */
		reached[2][259] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		/* merge: goto :b5(0, 261, 338) */
		reached[2][261] = 1;
		;
		_m = 3; goto P999; /* 5 */
	case 97: // STATE 231 - shm_signal.pml:104 - [mem[((4*o)+1)] = 0] (0:235:2 - 1)
		IfNotBlocked
		reached[2][231] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
		now.mem[ Index(((4*((P2 *)_this)->o)+1), 12) ] = 0;
#ifdef VAR_RANGES
		logval("mem[((4*owner:o)+1)]", ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]));
#endif
		;
		/* merge: clears[o] = (clears[o]+1)(235, 233, 235) */
		reached[2][233] = 1;
		(trpt+1)->bup.ovals[1] = ((int)now.clears[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.clears[ Index(((P2 *)_this)->o, 2) ] = (((int)now.clears[ Index(((int)((P2 *)_this)->o), 2) ])+1);
#ifdef VAR_RANGES
		logval("clears[owner:o]", ((int)now.clears[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 1 */
	case 98: // STATE 235 - shm_signal.pml:289 - [(1)] (246:0:1 - 1)
		IfNotBlocked
		reached[2][235] = 1;
		if (!(1))
			continue;
		/* merge: rounds = (rounds+1)(0, 236, 246) */
		reached[2][236] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->rounds);
		((P2 *)_this)->rounds = (((int)((P2 *)_this)->rounds)+1);
#ifdef VAR_RANGES
		logval("owner:rounds", ((int)((P2 *)_this)->rounds));
#endif
		;
		_m = 3; goto P999; /* 1 */
	case 99: // STATE 237 - shm_signal.pml:292 - [((rounds>=1))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][237] = 1;
		if (!((((int)((P2 *)_this)->rounds)>=1)))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: rounds */  (trpt+1)->bup.oval = ((P2 *)_this)->rounds;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->rounds = 0;
		_m = 3; goto P999; /* 0 */
	case 100: // STATE 238 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][238] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 101: // STATE 240 - shm_signal.pml:105 - [pe = mem[((4*o)+1)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][240] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 102: // STATE 242 - shm_signal.pml:294 - [more = ((di==1)||(pe==1))] (0:338:5 - 1)
		IfNotBlocked
		reached[2][242] = 1;
		(trpt+1)->bup.ovals = grab_ints(5);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->more);
		((P2 *)_this)->more = ((((int)((P2 *)_this)->di)==1)||(((int)((P2 *)_this)->pe)==1));
#ifdef VAR_RANGES
		logval("owner:more", ((int)((P2 *)_this)->more));
#endif
		;
		if (TstOnly) return 1; /* TT */
		/* dead 2: more */  
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->more = 0;
		/* merge: goto :b9(338, 243, 338) */
		reached[2][243] = 1;
		;
		/* merge: v = 0(338, 257, 338) */
		reached[2][257] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: di = 0(338, 258, 338) */
		reached[2][258] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = 0;
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		/* merge: pe = 0(338, 259, 338) */
		reached[2][259] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		/* merge: goto :b5(0, 261, 338) */
		reached[2][261] = 1;
		;
		_m = 3; goto P999; /* 5 */
	case 103: // STATE 257 - shm_signal.pml:302 - [v = 0] (0:338:3 - 7)
		IfNotBlocked
		reached[2][257] = 1;
		(trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: di = 0(338, 258, 338) */
		reached[2][258] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = 0;
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		/* merge: pe = 0(338, 259, 338) */
		reached[2][259] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		/* merge: goto :b5(0, 261, 338) */
		reached[2][261] = 1;
		;
		_m = 3; goto P999; /* 3 */
	case 104: // STATE 266 - shm_signal.pml:262 - [calls_now[o] = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[2][266] = 1;
		(trpt+1)->bup.oval = ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = 0;
#ifdef VAR_RANGES
		logval("calls_now[owner:o]", ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 105: // STATE 267 - shm_signal.pml:262 - [rounds = 0] (0:328:2 - 1)
		IfNotBlocked
		reached[2][267] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->rounds);
		((P2 *)_this)->rounds = 0;
#ifdef VAR_RANGES
		logval("owner:rounds", ((int)((P2 *)_this)->rounds));
#endif
		;
		/* merge: more = 0(328, 268, 328) */
		reached[2][268] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->more);
		((P2 *)_this)->more = 0;
#ifdef VAR_RANGES
		logval("owner:more", ((int)((P2 *)_this)->more));
#endif
		;
		/* merge: .(goto)(0, 329, 328) */
		reached[2][329] = 1;
		;
		_m = 3; goto P999; /* 2 */
	case 106: // STATE 269 - shm_signal.pml:105 - [en = mem[(4*o)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][269] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->en);
		((P2 *)_this)->en = ((int)now.mem[ Index((4*((int)((P2 *)_this)->o)), 12) ]);
#ifdef VAR_RANGES
		logval("owner:en", ((int)((P2 *)_this)->en));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 107: // STATE 271 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][271] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 108: // STATE 273 - shm_signal.pml:105 - [pe = mem[((4*o)+1)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][273] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 109: // STATE 275 - shm_signal.pml:266 - [(((en==1)&&((di==1)||(pe==1))))] (0:0:3 - 1)
		IfNotBlocked
		reached[2][275] = 1;
		if (!(((((int)((P2 *)_this)->en)==1)&&((((int)((P2 *)_this)->di)==1)||(((int)((P2 *)_this)->pe)==1)))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: en */  (trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((P2 *)_this)->en;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->en = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.ovals[1] = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: pe */  (trpt+1)->bup.ovals[2] = ((P2 *)_this)->pe;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->pe = 0;
		_m = 3; goto P999; /* 0 */
	case 110: // STATE 276 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][276] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 111: // STATE 278 - shm_signal.pml:271 - [(((di==1)&&(calls_now[o]>=1)))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][278] = 1;
		if (!(((((int)((P2 *)_this)->di)==1)&&(((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])>=1))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.oval = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		_m = 3; goto P999; /* 0 */
	case 112: // STATE 279 - shm_signal.pml:271 - [more = 1] (0:0:1 - 1)
		IfNotBlocked
		reached[2][279] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->more);
		((P2 *)_this)->more = 1;
#ifdef VAR_RANGES
		logval("owner:more", ((int)((P2 *)_this)->more));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 113: // STATE 281 - shm_signal.pml:272 - [(((di==1)&&(calls_now[o]<1)))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][281] = 1;
		if (!(((((int)((P2 *)_this)->di)==1)&&(((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])<1))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: di */  (trpt+1)->bup.oval = ((P2 *)_this)->di;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->di = 0;
		_m = 3; goto P999; /* 0 */
	case 114: // STATE 282 - shm_signal.pml:104 - [mem[((4*o)+2)] = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[2][282] = 1;
		(trpt+1)->bup.oval = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
		now.mem[ Index(((4*((P2 *)_this)->o)+2), 12) ] = 0;
#ifdef VAR_RANGES
		logval("mem[((4*owner:o)+2)]", ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 115: // STATE 285 - shm_signal.pml:105 - [v = mem[(8+o)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][285] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = ((int)now.mem[ Index((8+((int)((P2 *)_this)->o)), 12) ]);
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 116: // STATE 287 - shm_signal.pml:279 - [((v>seen[o]))] (0:0:0 - 1)
		IfNotBlocked
		reached[2][287] = 1;
		if (!((((int)((P2 *)_this)->v)>((int)now.seen[ Index(((int)((P2 *)_this)->o), 2) ]))))
			continue;
		_m = 3; goto P999; /* 0 */
	case 117: // STATE 288 - shm_signal.pml:279 - [seen[o] = v] (0:0:1 - 1)
		IfNotBlocked
		reached[2][288] = 1;
		(trpt+1)->bup.oval = ((int)now.seen[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.seen[ Index(((P2 *)_this)->o, 2) ] = ((int)((P2 *)_this)->v);
#ifdef VAR_RANGES
		logval("seen[owner:o]", ((int)now.seen[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 118: // STATE 293 - shm_signal.pml:280 - [calls_now[o] = (calls_now[o]+1)] (0:0:1 - 3)
		IfNotBlocked
		reached[2][293] = 1;
		(trpt+1)->bup.oval = ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = (((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])+1);
#ifdef VAR_RANGES
		logval("calls_now[owner:o]", ((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 119: // STATE 294 - shm_signal.pml:281 - [assert((calls_now[o]<=1))] (0:0:0 - 1)
		IfNotBlocked
		reached[2][294] = 1;
		spin_assert((((int)now.calls_now[ Index(((int)((P2 *)_this)->o), 2) ])<=1), "(calls_now[o]<=1)", II, tt, t);
		_m = 3; goto P999; /* 0 */
	case 120: // STATE 302 - shm_signal.pml:286 - [(more)] (335:0:3 - 1)
		IfNotBlocked
		reached[2][302] = 1;
		if (!(((int)((P2 *)_this)->more)))
			continue;
		/* merge: goto :b11(335, 303, 335) */
		reached[2][303] = 1;
		;
		/* merge: v = 0(335, 331, 335) */
		reached[2][331] = 1;
		(trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: di = 0(335, 332, 335) */
		reached[2][332] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = 0;
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		/* merge: pe = 0(335, 333, 335) */
		reached[2][333] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		/* merge: .(goto)(0, 336, 335) */
		reached[2][336] = 1;
		;
		_m = 3; goto P999; /* 5 */
	case 121: // STATE 305 - shm_signal.pml:104 - [mem[((4*o)+1)] = 0] (0:309:2 - 1)
		IfNotBlocked
		reached[2][305] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
		now.mem[ Index(((4*((P2 *)_this)->o)+1), 12) ] = 0;
#ifdef VAR_RANGES
		logval("mem[((4*owner:o)+1)]", ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]));
#endif
		;
		/* merge: clears[o] = (clears[o]+1)(309, 307, 309) */
		reached[2][307] = 1;
		(trpt+1)->bup.ovals[1] = ((int)now.clears[ Index(((int)((P2 *)_this)->o), 2) ]);
		now.clears[ Index(((P2 *)_this)->o, 2) ] = (((int)now.clears[ Index(((int)((P2 *)_this)->o), 2) ])+1);
#ifdef VAR_RANGES
		logval("clears[owner:o]", ((int)now.clears[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 1 */
	case 122: // STATE 309 - shm_signal.pml:289 - [(1)] (320:0:1 - 1)
		IfNotBlocked
		reached[2][309] = 1;
		if (!(1))
			continue;
		/* merge: rounds = (rounds+1)(0, 310, 320) */
		reached[2][310] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->rounds);
		((P2 *)_this)->rounds = (((int)((P2 *)_this)->rounds)+1);
#ifdef VAR_RANGES
		logval("owner:rounds", ((int)((P2 *)_this)->rounds));
#endif
		;
		_m = 3; goto P999; /* 1 */
	case 123: // STATE 311 - shm_signal.pml:292 - [((rounds>=1))] (0:0:1 - 1)
		IfNotBlocked
		reached[2][311] = 1;
		if (!((((int)((P2 *)_this)->rounds)>=1)))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: rounds */  (trpt+1)->bup.oval = ((P2 *)_this)->rounds;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P2 *)_this)->rounds = 0;
		_m = 3; goto P999; /* 0 */
	case 124: // STATE 312 - shm_signal.pml:105 - [di = mem[((4*o)+2)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][312] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+2), 12) ]);
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 125: // STATE 314 - shm_signal.pml:105 - [pe = mem[((4*o)+1)]] (0:0:1 - 1)
		IfNotBlocked
		reached[2][314] = 1;
		(trpt+1)->bup.oval = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = ((int)now.mem[ Index(((4*((int)((P2 *)_this)->o))+1), 12) ]);
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 126: // STATE 316 - shm_signal.pml:294 - [more = ((di==1)||(pe==1))] (0:335:4 - 1)
		IfNotBlocked
		reached[2][316] = 1;
		(trpt+1)->bup.ovals = grab_ints(4);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->more);
		((P2 *)_this)->more = ((((int)((P2 *)_this)->di)==1)||(((int)((P2 *)_this)->pe)==1));
#ifdef VAR_RANGES
		logval("owner:more", ((int)((P2 *)_this)->more));
#endif
		;
		/* merge: goto :b11(335, 317, 335) */
		reached[2][317] = 1;
		;
		/* merge: v = 0(335, 331, 335) */
		reached[2][331] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: di = 0(335, 332, 335) */
		reached[2][332] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = 0;
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		/* merge: pe = 0(335, 333, 335) */
		reached[2][333] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		/* merge: .(goto)(0, 336, 335) */
		reached[2][336] = 1;
		;
		_m = 3; goto P999; /* 5 */
	case 127: // STATE 331 - shm_signal.pml:302 - [v = 0] (0:335:3 - 7)
		IfNotBlocked
		reached[2][331] = 1;
		(trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((int)((P2 *)_this)->v);
		((P2 *)_this)->v = 0;
#ifdef VAR_RANGES
		logval("owner:v", ((int)((P2 *)_this)->v));
#endif
		;
		/* merge: di = 0(335, 332, 335) */
		reached[2][332] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P2 *)_this)->di);
		((P2 *)_this)->di = 0;
#ifdef VAR_RANGES
		logval("owner:di", ((int)((P2 *)_this)->di));
#endif
		;
		/* merge: pe = 0(335, 333, 335) */
		reached[2][333] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P2 *)_this)->pe);
		((P2 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("owner:pe", ((int)((P2 *)_this)->pe));
#endif
		;
		/* merge: .(goto)(0, 336, 335) */
		reached[2][336] = 1;
		;
		_m = 3; goto P999; /* 3 */
	case 128: // STATE 338 - shm_signal.pml:387 - [owner_done[o] = 1] (0:0:1 - 3)
		IfNotBlocked
		reached[2][338] = 1;
		(trpt+1)->bup.oval = ((int)owner_done[ Index(((int)((P2 *)_this)->o), 2) ]);
		owner_done[ Index(((P2 *)_this)->o, 2) ] = 1;
#ifdef VAR_RANGES
		logval("owner_done[owner:o]", ((int)owner_done[ Index(((int)((P2 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 129: // STATE 339 - shm_signal.pml:388 - [-end-] (0:0:0 - 1)
		IfNotBlocked
		reached[2][339] = 1;
		if (!delproc(1, II)) continue;
		_m = 3; goto P999; /* 0 */

		 /* PROC remote */
	case 130: // STATE 1 - shm_signal.pml:243 - [((i<=2))] (0:0:0 - 1)
		IfNotBlocked
		reached[1][1] = 1;
		if (!((((int)((P1 *)_this)->i)<=2)))
			continue;
		_m = 3; goto P999; /* 0 */
	case 131: // STATE 2 - shm_signal.pml:104 - [mem[(8+o)] = i] (0:0:1 - 1)
		IfNotBlocked
		reached[1][2] = 1;
		(trpt+1)->bup.oval = ((int)now.mem[ Index((8+((int)((P1 *)_this)->o)), 12) ]);
		now.mem[ Index((8+((P1 *)_this)->o), 12) ] = ((int)((P1 *)_this)->i);
#ifdef VAR_RANGES
		logval("mem[(8+remote:o)]", ((int)now.mem[ Index((8+((int)((P1 *)_this)->o)), 12) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 132: // STATE 6 - shm_signal.pml:104 - [mem[((4*o)+2)] = 1] (0:0:1 - 1)
		IfNotBlocked
		reached[1][6] = 1;
		(trpt+1)->bup.oval = ((int)now.mem[ Index(((4*((int)((P1 *)_this)->o))+2), 12) ]);
		now.mem[ Index(((4*((P1 *)_this)->o)+2), 12) ] = 1;
#ifdef VAR_RANGES
		logval("mem[((4*remote:o)+2)]", ((int)now.mem[ Index(((4*((int)((P1 *)_this)->o))+2), 12) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 133: // STATE 9 - shm_signal.pml:105 - [en = mem[(4*o)]] (0:0:1 - 1)
		IfNotBlocked
		reached[1][9] = 1;
		(trpt+1)->bup.oval = ((int)((P1 *)_this)->en);
		((P1 *)_this)->en = ((int)now.mem[ Index((4*((int)((P1 *)_this)->o)), 12) ]);
#ifdef VAR_RANGES
		logval("remote:en", ((int)((P1 *)_this)->en));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 134: // STATE 11 - shm_signal.pml:105 - [pe = mem[((4*o)+1)]] (0:0:1 - 1)
		IfNotBlocked
		reached[1][11] = 1;
		(trpt+1)->bup.oval = ((int)((P1 *)_this)->pe);
		((P1 *)_this)->pe = ((int)now.mem[ Index(((4*((int)((P1 *)_this)->o))+1), 12) ]);
#ifdef VAR_RANGES
		logval("remote:pe", ((int)((P1 *)_this)->pe));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 135: // STATE 13 - shm_signal.pml:105 - [wa = mem[((4*o)+3)]] (0:0:2 - 1)
		IfNotBlocked
		reached[1][13] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)((P1 *)_this)->wa);
		((P1 *)_this)->wa = ((int)now.mem[ Index(((4*((int)((P1 *)_this)->o))+3), 12) ]);
#ifdef VAR_RANGES
		logval("remote:wa", ((int)((P1 *)_this)->wa));
#endif
		;
		if (TstOnly) return 1; /* TT */
		/* dead 2: wa */  
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P1 *)_this)->wa = 0;
		_m = 3; goto P999; /* 0 */
	case 136: // STATE 15 - shm_signal.pml:210 - [(((en==1)&&(pe==0)))] (0:0:2 - 1)
		IfNotBlocked
		reached[1][15] = 1;
		if (!(((((int)((P1 *)_this)->en)==1)&&(((int)((P1 *)_this)->pe)==0))))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: en */  (trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((P1 *)_this)->en;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P1 *)_this)->en = 0;
		if (TstOnly) return 1; /* TT */
		/* dead 1: pe */  (trpt+1)->bup.ovals[1] = ((P1 *)_this)->pe;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P1 *)_this)->pe = 0;
		_m = 3; goto P999; /* 0 */
	case 137: // STATE 16 - shm_signal.pml:104 - [mem[((4*o)+1)] = 1] (0:0:1 - 1)
		IfNotBlocked
		reached[1][16] = 1;
		(trpt+1)->bup.oval = ((int)now.mem[ Index(((4*((int)((P1 *)_this)->o))+1), 12) ]);
		now.mem[ Index(((4*((P1 *)_this)->o)+1), 12) ] = 1;
#ifdef VAR_RANGES
		logval("mem[((4*remote:o)+1)]", ((int)now.mem[ Index(((4*((int)((P1 *)_this)->o))+1), 12) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 138: // STATE 18 - shm_signal.pml:212 - [wake = 1] (0:0:1 - 1)
		IfNotBlocked
		reached[1][18] = 1;
		(trpt+1)->bup.oval = ((int)((P1 *)_this)->wake);
		((P1 *)_this)->wake = 1;
#ifdef VAR_RANGES
		logval("remote:wake", ((int)((P1 *)_this)->wake));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 139: // STATE 19 - shm_signal.pml:221 - [(wake)] (0:0:1 - 1)
		IfNotBlocked
		reached[1][19] = 1;
		if (!(((int)((P1 *)_this)->wake)))
			continue;
		if (TstOnly) return 1; /* TT */
		/* dead 1: wake */  (trpt+1)->bup.oval = ((P1 *)_this)->wake;
#ifdef HAS_CODE
		if (!readtrail)
#endif
			((P1 *)_this)->wake = 0;
		_m = 3; goto P999; /* 0 */
	case 140: // STATE 20 - shm_signal.pml:222 - [notes[o] = (notes[o]+1)] (0:0:1 - 1)
		IfNotBlocked
		reached[1][20] = 1;
		(trpt+1)->bup.oval = ((int)now.notes[ Index(((int)((P1 *)_this)->o), 2) ]);
		now.notes[ Index(((P1 *)_this)->o, 2) ] = (((int)now.notes[ Index(((int)((P1 *)_this)->o), 2) ])+1);
#ifdef VAR_RANGES
		logval("notes[remote:o]", ((int)now.notes[ Index(((int)((P1 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 141: // STATE 21 - shm_signal.pml:223 - [assert((notes[o]<=(clears[o]+1)))] (0:0:0 - 1)
		IfNotBlocked
		reached[1][21] = 1;
		spin_assert((((int)now.notes[ Index(((int)((P1 *)_this)->o), 2) ])<=(((int)now.clears[ Index(((int)((P1 *)_this)->o), 2) ])+1)), "(notes[o]<=(clears[o]+1))", II, tt, t);
		_m = 3; goto P999; /* 0 */
	case 142: // STATE 23 - shm_signal.pml:199 - [asleep[o] = 0] (0:0:1 - 1)
		IfNotBlocked
		reached[1][23] = 1;
		(trpt+1)->bup.oval = ((int)now.asleep[ Index(((int)((P1 *)_this)->o), 2) ]);
		now.asleep[ Index(((P1 *)_this)->o, 2) ] = 0;
#ifdef VAR_RANGES
		logval("asleep[remote:o]", ((int)now.asleep[ Index(((int)((P1 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 143: // STATE 26 - shm_signal.pml:225 - [(1)] (41:0:5 - 1)
		IfNotBlocked
		reached[1][26] = 1;
		if (!(1))
			continue;
		/* merge: .(goto)(41, 28, 41) */
		reached[1][28] = 1;
		;
		/* merge: wake = 0(41, 29, 41) */
		reached[1][29] = 1;
		(trpt+1)->bup.ovals = grab_ints(5);
		(trpt+1)->bup.ovals[0] = ((int)((P1 *)_this)->wake);
		((P1 *)_this)->wake = 0;
#ifdef VAR_RANGES
		logval("remote:wake", ((int)((P1 *)_this)->wake));
#endif
		;
		/* merge: .(goto)(41, 33, 41) */
		reached[1][33] = 1;
		;
		/* merge: en = 0(41, 34, 41) */
		reached[1][34] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P1 *)_this)->en);
		((P1 *)_this)->en = 0;
#ifdef VAR_RANGES
		logval("remote:en", ((int)((P1 *)_this)->en));
#endif
		;
		/* merge: pe = 0(41, 35, 41) */
		reached[1][35] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P1 *)_this)->pe);
		((P1 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("remote:pe", ((int)((P1 *)_this)->pe));
#endif
		;
		/* merge: wa = 0(41, 36, 41) */
		reached[1][36] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P1 *)_this)->wa);
		((P1 *)_this)->wa = 0;
#ifdef VAR_RANGES
		logval("remote:wa", ((int)((P1 *)_this)->wa));
#endif
		;
		/* merge: i = (i+1)(41, 38, 41) */
		reached[1][38] = 1;
		(trpt+1)->bup.ovals[4] = ((int)((P1 *)_this)->i);
		((P1 *)_this)->i = (((int)((P1 *)_this)->i)+1);
#ifdef VAR_RANGES
		logval("remote:i", ((int)((P1 *)_this)->i));
#endif
		;
		/* merge: .(goto)(0, 42, 41) */
		reached[1][42] = 1;
		;
		_m = 3; goto P999; /* 8 */
	case 144: // STATE 29 - shm_signal.pml:227 - [wake = 0] (0:41:5 - 3)
		IfNotBlocked
		reached[1][29] = 1;
		(trpt+1)->bup.ovals = grab_ints(5);
		(trpt+1)->bup.ovals[0] = ((int)((P1 *)_this)->wake);
		((P1 *)_this)->wake = 0;
#ifdef VAR_RANGES
		logval("remote:wake", ((int)((P1 *)_this)->wake));
#endif
		;
		/* merge: .(goto)(41, 33, 41) */
		reached[1][33] = 1;
		;
		/* merge: en = 0(41, 34, 41) */
		reached[1][34] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P1 *)_this)->en);
		((P1 *)_this)->en = 0;
#ifdef VAR_RANGES
		logval("remote:en", ((int)((P1 *)_this)->en));
#endif
		;
		/* merge: pe = 0(41, 35, 41) */
		reached[1][35] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P1 *)_this)->pe);
		((P1 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("remote:pe", ((int)((P1 *)_this)->pe));
#endif
		;
		/* merge: wa = 0(41, 36, 41) */
		reached[1][36] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P1 *)_this)->wa);
		((P1 *)_this)->wa = 0;
#ifdef VAR_RANGES
		logval("remote:wa", ((int)((P1 *)_this)->wa));
#endif
		;
		/* merge: i = (i+1)(41, 38, 41) */
		reached[1][38] = 1;
		(trpt+1)->bup.ovals[4] = ((int)((P1 *)_this)->i);
		((P1 *)_this)->i = (((int)((P1 *)_this)->i)+1);
#ifdef VAR_RANGES
		logval("remote:i", ((int)((P1 *)_this)->i));
#endif
		;
		/* merge: .(goto)(0, 42, 41) */
		reached[1][42] = 1;
		;
		_m = 3; goto P999; /* 6 */
	case 145: // STATE 31 - shm_signal.pml:228 - [(1)] (41:0:4 - 1)
		IfNotBlocked
		reached[1][31] = 1;
		if (!(1))
			continue;
		/* merge: .(goto)(41, 33, 41) */
		reached[1][33] = 1;
		;
		/* merge: en = 0(41, 34, 41) */
		reached[1][34] = 1;
		(trpt+1)->bup.ovals = grab_ints(4);
		(trpt+1)->bup.ovals[0] = ((int)((P1 *)_this)->en);
		((P1 *)_this)->en = 0;
#ifdef VAR_RANGES
		logval("remote:en", ((int)((P1 *)_this)->en));
#endif
		;
		/* merge: pe = 0(41, 35, 41) */
		reached[1][35] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P1 *)_this)->pe);
		((P1 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("remote:pe", ((int)((P1 *)_this)->pe));
#endif
		;
		/* merge: wa = 0(41, 36, 41) */
		reached[1][36] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P1 *)_this)->wa);
		((P1 *)_this)->wa = 0;
#ifdef VAR_RANGES
		logval("remote:wa", ((int)((P1 *)_this)->wa));
#endif
		;
		/* merge: i = (i+1)(41, 38, 41) */
		reached[1][38] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P1 *)_this)->i);
		((P1 *)_this)->i = (((int)((P1 *)_this)->i)+1);
#ifdef VAR_RANGES
		logval("remote:i", ((int)((P1 *)_this)->i));
#endif
		;
		/* merge: .(goto)(0, 42, 41) */
		reached[1][42] = 1;
		;
		_m = 3; goto P999; /* 6 */
	case 146: // STATE 34 - shm_signal.pml:230 - [en = 0] (0:41:4 - 3)
		IfNotBlocked
		reached[1][34] = 1;
		(trpt+1)->bup.ovals = grab_ints(4);
		(trpt+1)->bup.ovals[0] = ((int)((P1 *)_this)->en);
		((P1 *)_this)->en = 0;
#ifdef VAR_RANGES
		logval("remote:en", ((int)((P1 *)_this)->en));
#endif
		;
		/* merge: pe = 0(41, 35, 41) */
		reached[1][35] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P1 *)_this)->pe);
		((P1 *)_this)->pe = 0;
#ifdef VAR_RANGES
		logval("remote:pe", ((int)((P1 *)_this)->pe));
#endif
		;
		/* merge: wa = 0(41, 36, 41) */
		reached[1][36] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P1 *)_this)->wa);
		((P1 *)_this)->wa = 0;
#ifdef VAR_RANGES
		logval("remote:wa", ((int)((P1 *)_this)->wa));
#endif
		;
		/* merge: i = (i+1)(41, 38, 41) */
		reached[1][38] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P1 *)_this)->i);
		((P1 *)_this)->i = (((int)((P1 *)_this)->i)+1);
#ifdef VAR_RANGES
		logval("remote:i", ((int)((P1 *)_this)->i));
#endif
		;
		/* merge: .(goto)(0, 42, 41) */
		reached[1][42] = 1;
		;
		_m = 3; goto P999; /* 4 */
	case 147: // STATE 44 - shm_signal.pml:256 - [remote_done[o] = 1] (0:0:1 - 3)
		IfNotBlocked
		reached[1][44] = 1;
		(trpt+1)->bup.oval = ((int)now.remote_done[ Index(((int)((P1 *)_this)->o), 2) ]);
		now.remote_done[ Index(((P1 *)_this)->o, 2) ] = 1;
#ifdef VAR_RANGES
		logval("remote_done[remote:o]", ((int)now.remote_done[ Index(((int)((P1 *)_this)->o), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 148: // STATE 45 - shm_signal.pml:257 - [-end-] (0:0:0 - 1)
		IfNotBlocked
		reached[1][45] = 1;
		if (!delproc(1, II)) continue;
		_m = 3; goto P999; /* 0 */

		 /* PROC flusher */
	case 149: // STATE 1 - shm_signal.pml:121 - [((sb_n[t]>0))] (12:0:3 - 1)
		IfNotBlocked
		reached[0][1] = 1;
		if (!((((int)now.sb_n[ Index(((int)((P0 *)_this)->t), 2) ])>0)))
			continue;
		/* merge: i = 0(12, 2, 12) */
		reached[0][2] = 1;
		(trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((int)((P0 *)_this)->i);
		((P0 *)_this)->i = 0;
#ifdef VAR_RANGES
		logval("flusher:i", ((int)((P0 *)_this)->i));
#endif
		;
		/* merge: mem[sb_a[((t*4)+i)]] = sb_v[((t*4)+i)](12, 3, 12) */
		reached[0][3] = 1;
		(trpt+1)->bup.ovals[1] = ((int)now.mem[ Index(((int)now.sb_a[ Index(((((int)((P0 *)_this)->t)*4)+((int)((P0 *)_this)->i)), 8) ]), 12) ]);
		now.mem[ Index(now.sb_a[ Index(((((P0 *)_this)->t*4)+((P0 *)_this)->i), 8) ], 12) ] = ((int)now.sb_v[ Index(((((int)((P0 *)_this)->t)*4)+((int)((P0 *)_this)->i)), 8) ]);
#ifdef VAR_RANGES
		logval("mem[sb_a[((flusher:t*4)+flusher:i)]]", ((int)now.mem[ Index(((int)now.sb_a[ Index(((((int)((P0 *)_this)->t)*4)+((int)((P0 *)_this)->i)), 8) ]), 12) ]));
#endif
		;
		/* merge: j = i(12, 4, 12) */
		reached[0][4] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P0 *)_this)->j);
		((P0 *)_this)->j = ((int)((P0 *)_this)->i);
#ifdef VAR_RANGES
		logval("flusher:j", ((int)((P0 *)_this)->j));
#endif
		;
		/* merge: .(goto)(0, 13, 12) */
		reached[0][13] = 1;
		;
		_m = 3; goto P999; /* 4 */
	case 150: // STATE 5 - shm_signal.pml:135 - [(((j+1)<sb_n[t]))] (12:0:4 - 1)
		IfNotBlocked
		reached[0][5] = 1;
		if (!(((((int)((P0 *)_this)->j)+1)<((int)now.sb_n[ Index(((int)((P0 *)_this)->t), 2) ]))))
			continue;
		/* merge: sb_a[((t*4)+j)] = sb_a[(((t*4)+j)+1)](12, 6, 12) */
		reached[0][6] = 1;
		(trpt+1)->bup.ovals = grab_ints(4);
		(trpt+1)->bup.ovals[0] = ((int)now.sb_a[ Index(((((int)((P0 *)_this)->t)*4)+((int)((P0 *)_this)->j)), 8) ]);
		now.sb_a[ Index(((((P0 *)_this)->t*4)+((P0 *)_this)->j), 8) ] = ((int)now.sb_a[ Index((((((int)((P0 *)_this)->t)*4)+((int)((P0 *)_this)->j))+1), 8) ]);
#ifdef VAR_RANGES
		logval("sb_a[((flusher:t*4)+flusher:j)]", ((int)now.sb_a[ Index(((((int)((P0 *)_this)->t)*4)+((int)((P0 *)_this)->j)), 8) ]));
#endif
		;
		/* merge: sb_v[((t*4)+j)] = sb_v[(((t*4)+j)+1)](12, 7, 12) */
		reached[0][7] = 1;
		(trpt+1)->bup.ovals[1] = ((int)now.sb_v[ Index(((((int)((P0 *)_this)->t)*4)+((int)((P0 *)_this)->j)), 8) ]);
		now.sb_v[ Index(((((P0 *)_this)->t*4)+((P0 *)_this)->j), 8) ] = ((int)now.sb_v[ Index((((((int)((P0 *)_this)->t)*4)+((int)((P0 *)_this)->j))+1), 8) ]);
#ifdef VAR_RANGES
		logval("sb_v[((flusher:t*4)+flusher:j)]", ((int)now.sb_v[ Index(((((int)((P0 *)_this)->t)*4)+((int)((P0 *)_this)->j)), 8) ]));
#endif
		;
		/* merge: sb_e[((t*4)+j)] = sb_e[(((t*4)+j)+1)](12, 8, 12) */
		reached[0][8] = 1;
		(trpt+1)->bup.ovals[2] = ((int)now.sb_e[ Index(((((int)((P0 *)_this)->t)*4)+((int)((P0 *)_this)->j)), 8) ]);
		now.sb_e[ Index(((((P0 *)_this)->t*4)+((P0 *)_this)->j), 8) ] = ((int)now.sb_e[ Index((((((int)((P0 *)_this)->t)*4)+((int)((P0 *)_this)->j))+1), 8) ]);
#ifdef VAR_RANGES
		logval("sb_e[((flusher:t*4)+flusher:j)]", ((int)now.sb_e[ Index(((((int)((P0 *)_this)->t)*4)+((int)((P0 *)_this)->j)), 8) ]));
#endif
		;
		/* merge: j = (j+1)(12, 9, 12) */
		reached[0][9] = 1;
		(trpt+1)->bup.ovals[3] = ((int)((P0 *)_this)->j);
		((P0 *)_this)->j = (((int)((P0 *)_this)->j)+1);
#ifdef VAR_RANGES
		logval("flusher:j", ((int)((P0 *)_this)->j));
#endif
		;
		/* merge: .(goto)(0, 13, 12) */
		reached[0][13] = 1;
		;
		_m = 3; goto P999; /* 5 */
	case 151: // STATE 15 - shm_signal.pml:142 - [sb_n[t] = (sb_n[t]-1)] (0:20:1 - 3)
		IfNotBlocked
		reached[0][15] = 1;
		(trpt+1)->bup.oval = ((int)now.sb_n[ Index(((int)((P0 *)_this)->t), 2) ]);
		now.sb_n[ Index(((P0 *)_this)->t, 2) ] = (((int)now.sb_n[ Index(((int)((P0 *)_this)->t), 2) ])-1);
#ifdef VAR_RANGES
		logval("sb_n[flusher:t]", ((int)now.sb_n[ Index(((int)((P0 *)_this)->t), 2) ]));
#endif
		;
		_m = 3; goto P999; /* 0 */
	case 152: // STATE 16 - shm_signal.pml:143 - [((sb_n[t]==0))] (25:0:3 - 1)
		IfNotBlocked
		reached[0][16] = 1;
		if (!((((int)now.sb_n[ Index(((int)((P0 *)_this)->t), 2) ])==0)))
			continue;
		/* merge: ep[t] = 0(25, 17, 25) */
		reached[0][17] = 1;
		(trpt+1)->bup.ovals = grab_ints(3);
		(trpt+1)->bup.ovals[0] = ((int)ep[ Index(((int)((P0 *)_this)->t), 2) ]);
		ep[ Index(((P0 *)_this)->t, 2) ] = 0;
#ifdef VAR_RANGES
		logval("ep[flusher:t]", ((int)ep[ Index(((int)((P0 *)_this)->t), 2) ]));
#endif
		;
		/* merge: .(goto)(25, 21, 25) */
		reached[0][21] = 1;
		;
		/* merge: i = 0(25, 22, 25) */
		reached[0][22] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P0 *)_this)->i);
		((P0 *)_this)->i = 0;
#ifdef VAR_RANGES
		logval("flusher:i", ((int)((P0 *)_this)->i));
#endif
		;
		/* merge: j = 0(25, 23, 25) */
		reached[0][23] = 1;
		(trpt+1)->bup.ovals[2] = ((int)((P0 *)_this)->j);
		((P0 *)_this)->j = 0;
#ifdef VAR_RANGES
		logval("flusher:j", ((int)((P0 *)_this)->j));
#endif
		;
		/* merge: .(goto)(0, 26, 25) */
		reached[0][26] = 1;
		;
		_m = 3; goto P999; /* 5 */
	case 153: // STATE 19 - shm_signal.pml:143 - [(1)] (25:0:2 - 1)
		IfNotBlocked
		reached[0][19] = 1;
		if (!(1))
			continue;
		/* merge: .(goto)(25, 21, 25) */
		reached[0][21] = 1;
		;
		/* merge: i = 0(25, 22, 25) */
		reached[0][22] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)((P0 *)_this)->i);
		((P0 *)_this)->i = 0;
#ifdef VAR_RANGES
		logval("flusher:i", ((int)((P0 *)_this)->i));
#endif
		;
		/* merge: j = 0(25, 23, 25) */
		reached[0][23] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P0 *)_this)->j);
		((P0 *)_this)->j = 0;
#ifdef VAR_RANGES
		logval("flusher:j", ((int)((P0 *)_this)->j));
#endif
		;
		/* merge: .(goto)(0, 26, 25) */
		reached[0][26] = 1;
		;
		_m = 3; goto P999; /* 4 */
	case 154: // STATE 22 - shm_signal.pml:144 - [i = 0] (0:25:2 - 3)
		IfNotBlocked
		reached[0][22] = 1;
		(trpt+1)->bup.ovals = grab_ints(2);
		(trpt+1)->bup.ovals[0] = ((int)((P0 *)_this)->i);
		((P0 *)_this)->i = 0;
#ifdef VAR_RANGES
		logval("flusher:i", ((int)((P0 *)_this)->i));
#endif
		;
		/* merge: j = 0(25, 23, 25) */
		reached[0][23] = 1;
		(trpt+1)->bup.ovals[1] = ((int)((P0 *)_this)->j);
		((P0 *)_this)->j = 0;
#ifdef VAR_RANGES
		logval("flusher:j", ((int)((P0 *)_this)->j));
#endif
		;
		/* merge: .(goto)(0, 26, 25) */
		reached[0][26] = 1;
		;
		_m = 3; goto P999; /* 2 */
	case 155: // STATE 28 - shm_signal.pml:147 - [-end-] (0:0:0 - 1)
		IfNotBlocked
		reached[0][28] = 1;
		if (!delproc(1, II)) continue;
		_m = 3; goto P999; /* 0 */
	case  _T5:	/* np_ */
		if (!((!(trpt->o_pm&4) && !(trpt->tau&128))))
			continue;
		/* else fall through */
	case  _T2:	/* true */
		_m = 3; goto P999;
#undef rand
	}

