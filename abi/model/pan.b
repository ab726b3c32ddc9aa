	switch (t->back) {
	default: Uerror("bad return move");
	case  0: goto R999; /* nothing to undo */

		 /* PROC :init: */

	case 3: // STATE 1
		;
		now.mem[ Index((10+0), 12) ] = trpt->bup.oval;
		;
		goto R999;

	case 4: // STATE 2
		;
		now.mem[ Index((10+1), 12) ] = trpt->bup.oval;
		;
		goto R999;

	case 5: // STATE 3
		;
		;
		delproc(0, now._nr_pr-1);
		;
		goto R999;

	case 6: // STATE 4
		;
		;
		delproc(0, now._nr_pr-1);
		;
		goto R999;

	case 7: // STATE 5
		;
		;
		delproc(0, now._nr_pr-1);
		;
		goto R999;

	case 8: // STATE 6
		;
		;
		delproc(0, now._nr_pr-1);
		;
		goto R999;
;
		;
		;
		;
		
	case 11: // STATE 11
		;
		p_restor(II);
		;
		;
		goto R999;

		 /* PROC owner */

	case 12: // STATE 1
		;
		now.mem[ Index((4*((P2 *)_this)->o), 12) ] = trpt->bup.oval;
		;
		goto R999;

	case 13: // STATE 4
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 14: // STATE 6
		;
		((P2 *)_this)->pe = trpt->bup.oval;
		;
		goto R999;

	case 15: // STATE 8
		;
	/* 1 */	((P2 *)_this)->pe = trpt->bup.ovals[1];
	/* 0 */	((P2 *)_this)->di = trpt->bup.ovals[0];
		;
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 16: // STATE 9
		;
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 17: // STATE 11
		;
		((P2 *)_this)->more = trpt->bup.ovals[1];
		((P2 *)_this)->rounds = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 18: // STATE 12
		;
		((P2 *)_this)->en = trpt->bup.oval;
		;
		goto R999;

	case 19: // STATE 14
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 20: // STATE 16
		;
		((P2 *)_this)->pe = trpt->bup.oval;
		;
		goto R999;

	case 21: // STATE 18
		;
	/* 2 */	((P2 *)_this)->pe = trpt->bup.ovals[2];
	/* 1 */	((P2 *)_this)->di = trpt->bup.ovals[1];
	/* 0 */	((P2 *)_this)->en = trpt->bup.ovals[0];
		;
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 22: // STATE 19
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 23: // STATE 21
		;
	/* 0 */	((P2 *)_this)->di = trpt->bup.oval;
		;
		;
		goto R999;

	case 24: // STATE 22
		;
		((P2 *)_this)->more = trpt->bup.oval;
		;
		goto R999;

	case 25: // STATE 24
		;
	/* 0 */	((P2 *)_this)->di = trpt->bup.oval;
		;
		;
		goto R999;

	case 26: // STATE 25
		;
		now.mem[ Index(((4*((P2 *)_this)->o)+2), 12) ] = trpt->bup.oval;
		;
		goto R999;

	case 27: // STATE 28
		;
		((P2 *)_this)->v = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 29: // STATE 31
		;
		now.seen[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 30: // STATE 36
		;
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 32: // STATE 76
		;
		((P2 *)_this)->pe = trpt->bup.ovals[2];
		((P2 *)_this)->di = trpt->bup.ovals[1];
		((P2 *)_this)->v = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 33: // STATE 50
		;
		now.clears[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.ovals[1];
		now.mem[ Index(((4*((P2 *)_this)->o)+1), 12) ] = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 34: // STATE 53
		;
		((P2 *)_this)->rounds = trpt->bup.oval;
		;
		goto R999;

	case 35: // STATE 54
		;
	/* 0 */	((P2 *)_this)->rounds = trpt->bup.oval;
		;
		;
		goto R999;

	case 36: // STATE 55
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 37: // STATE 57
		;
		((P2 *)_this)->pe = trpt->bup.oval;
		;
		goto R999;

	case 38: // STATE 76
		;
		((P2 *)_this)->pe = trpt->bup.ovals[3];
		((P2 *)_this)->di = trpt->bup.ovals[2];
		((P2 *)_this)->v = trpt->bup.ovals[1];
		((P2 *)_this)->more = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 4);
		goto R999;

	case 39: // STATE 76
		;
		((P2 *)_this)->pe = trpt->bup.ovals[2];
		((P2 *)_this)->di = trpt->bup.ovals[1];
		((P2 *)_this)->v = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 40: // STATE 83
		;
	/* 0 */	((P2 *)_this)->more = trpt->bup.oval;
		;
		;
		goto R999;

	case 41: // STATE 84
		;
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 42: // STATE 86
		;
		((P2 *)_this)->more = trpt->bup.ovals[1];
		((P2 *)_this)->rounds = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 43: // STATE 87
		;
		((P2 *)_this)->en = trpt->bup.oval;
		;
		goto R999;

	case 44: // STATE 89
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 45: // STATE 91
		;
		((P2 *)_this)->pe = trpt->bup.oval;
		;
		goto R999;

	case 46: // STATE 93
		;
	/* 2 */	((P2 *)_this)->pe = trpt->bup.ovals[2];
	/* 1 */	((P2 *)_this)->di = trpt->bup.ovals[1];
	/* 0 */	((P2 *)_this)->en = trpt->bup.ovals[0];
		;
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 47: // STATE 94
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 48: // STATE 96
		;
	/* 0 */	((P2 *)_this)->di = trpt->bup.oval;
		;
		;
		goto R999;

	case 49: // STATE 97
		;
		((P2 *)_this)->more = trpt->bup.oval;
		;
		goto R999;

	case 50: // STATE 99
		;
	/* 0 */	((P2 *)_this)->di = trpt->bup.oval;
		;
		;
		goto R999;

	case 51: // STATE 100
		;
		now.mem[ Index(((4*((P2 *)_this)->o)+2), 12) ] = trpt->bup.oval;
		;
		goto R999;

	case 52: // STATE 103
		;
		((P2 *)_this)->v = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 54: // STATE 106
		;
		now.seen[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 55: // STATE 111
		;
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 57: // STATE 151
		;
		((P2 *)_this)->pe = trpt->bup.ovals[2];
		((P2 *)_this)->di = trpt->bup.ovals[1];
		((P2 *)_this)->v = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 58: // STATE 125
		;
		now.clears[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.ovals[1];
		now.mem[ Index(((4*((P2 *)_this)->o)+1), 12) ] = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 59: // STATE 128
		;
		((P2 *)_this)->rounds = trpt->bup.oval;
		;
		goto R999;

	case 60: // STATE 129
		;
	/* 0 */	((P2 *)_this)->rounds = trpt->bup.oval;
		;
		;
		goto R999;

	case 61: // STATE 130
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 62: // STATE 132
		;
		((P2 *)_this)->pe = trpt->bup.oval;
		;
		goto R999;

	case 63: // STATE 151
		;
		((P2 *)_this)->pe = trpt->bup.ovals[3];
		((P2 *)_this)->di = trpt->bup.ovals[2];
		((P2 *)_this)->v = trpt->bup.ovals[1];
		((P2 *)_this)->more = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 4);
		goto R999;

	case 64: // STATE 151
		;
		((P2 *)_this)->pe = trpt->bup.ovals[2];
		((P2 *)_this)->di = trpt->bup.ovals[1];
		((P2 *)_this)->v = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 65: // STATE 153
		;
	/* 0 */	((P2 *)_this)->more = trpt->bup.oval;
		;
		;
		goto R999;

	case 66: // STATE 154
		;
		((P2 *)_this)->st = trpt->bup.oval;
		;
		goto R999;

	case 67: // STATE 190
		;
		((P2 *)_this)->blind = trpt->bup.ovals[2];
		((P2 *)_this)->closed = trpt->bup.ovals[1];
	/* 0 */	((P2 *)_this)->st = trpt->bup.ovals[0];
		;
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 68: // STATE 163
		;
		((P2 *)_this)->en = trpt->bup.oval;
		;
		goto R999;

	case 69: // STATE 165
		;
		((P2 *)_this)->pe = trpt->bup.oval;
		;
		goto R999;

	case 70: // STATE 167
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 71: // STATE 190
		;
		((P2 *)_this)->blind = trpt->bup.ovals[4];
	/* 3 */	((P2 *)_this)->blind = trpt->bup.ovals[3];
	/* 2 */	((P2 *)_this)->pe = trpt->bup.ovals[2];
	/* 1 */	((P2 *)_this)->di = trpt->bup.ovals[1];
	/* 0 */	((P2 *)_this)->en = trpt->bup.ovals[0];
		;
		;
		ungrab_ints(trpt->bup.ovals, 5);
		goto R999;

	case 72: // STATE 172
		;
		((P2 *)_this)->wa = trpt->bup.oval;
		;
		goto R999;

	case 73: // STATE 175
		;
		now.asleep[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.ovals[4];
	/* 3 */	((P2 *)_this)->wa = trpt->bup.ovals[3];
	/* 2 */	((P2 *)_this)->di = trpt->bup.ovals[2];
	/* 1 */	((P2 *)_this)->pe = trpt->bup.ovals[1];
	/* 0 */	((P2 *)_this)->en = trpt->bup.ovals[0];
		;
		;
		ungrab_ints(trpt->bup.ovals, 5);
		goto R999;
;
		
	case 74: // STATE 179
		goto R999;
;
		
	case 75: // STATE 177
		goto R999;
;
		;
		
	case 77: // STATE 182
		;
		((P2 *)_this)->blind = trpt->bup.oval;
		;
		goto R999;

	case 78: // STATE 190
		;
		((P2 *)_this)->blind = trpt->bup.oval;
		;
		goto R999;

	case 79: // STATE 191
		;
	/* 0 */	((P2 *)_this)->closed = trpt->bup.oval;
		;
		;
		goto R999;

	case 80: // STATE 192
		;
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 81: // STATE 194
		;
		((P2 *)_this)->more = trpt->bup.ovals[1];
		((P2 *)_this)->rounds = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 82: // STATE 195
		;
		((P2 *)_this)->en = trpt->bup.oval;
		;
		goto R999;

	case 83: // STATE 197
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 84: // STATE 199
		;
		((P2 *)_this)->pe = trpt->bup.oval;
		;
		goto R999;

	case 85: // STATE 201
		;
	/* 2 */	((P2 *)_this)->pe = trpt->bup.ovals[2];
	/* 1 */	((P2 *)_this)->di = trpt->bup.ovals[1];
	/* 0 */	((P2 *)_this)->en = trpt->bup.ovals[0];
		;
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 86: // STATE 202
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 87: // STATE 204
		;
	/* 0 */	((P2 *)_this)->di = trpt->bup.oval;
		;
		;
		goto R999;

	case 88: // STATE 205
		;
		((P2 *)_this)->more = trpt->bup.oval;
		;
		goto R999;

	case 89: // STATE 207
		;
	/* 0 */	((P2 *)_this)->di = trpt->bup.oval;
		;
		;
		goto R999;

	case 90: // STATE 208
		;
		now.mem[ Index(((4*((P2 *)_this)->o)+2), 12) ] = trpt->bup.oval;
		;
		goto R999;

	case 91: // STATE 211
		;
		((P2 *)_this)->v = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 93: // STATE 214
		;
		now.seen[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 94: // STATE 219
		;
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 96: // STATE 259
		;
		((P2 *)_this)->pe = trpt->bup.ovals[3];
		((P2 *)_this)->di = trpt->bup.ovals[2];
		((P2 *)_this)->v = trpt->bup.ovals[1];
	/* 0 */	((P2 *)_this)->more = trpt->bup.ovals[0];
		;
		;
		ungrab_ints(trpt->bup.ovals, 4);
		goto R999;

	case 97: // STATE 233
		;
		now.clears[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.ovals[1];
		now.mem[ Index(((4*((P2 *)_this)->o)+1), 12) ] = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 98: // STATE 236
		;
		((P2 *)_this)->rounds = trpt->bup.oval;
		;
		goto R999;

	case 99: // STATE 237
		;
	/* 0 */	((P2 *)_this)->rounds = trpt->bup.oval;
		;
		;
		goto R999;

	case 100: // STATE 238
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 101: // STATE 240
		;
		((P2 *)_this)->pe = trpt->bup.oval;
		;
		goto R999;

	case 102: // STATE 259
		;
		((P2 *)_this)->pe = trpt->bup.ovals[3];
		((P2 *)_this)->di = trpt->bup.ovals[2];
		((P2 *)_this)->v = trpt->bup.ovals[1];
		((P2 *)_this)->more = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 5);
		goto R999;

	case 103: // STATE 259
		;
		((P2 *)_this)->pe = trpt->bup.ovals[2];
		((P2 *)_this)->di = trpt->bup.ovals[1];
		((P2 *)_this)->v = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 104: // STATE 266
		;
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 105: // STATE 268
		;
		((P2 *)_this)->more = trpt->bup.ovals[1];
		((P2 *)_this)->rounds = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 106: // STATE 269
		;
		((P2 *)_this)->en = trpt->bup.oval;
		;
		goto R999;

	case 107: // STATE 271
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 108: // STATE 273
		;
		((P2 *)_this)->pe = trpt->bup.oval;
		;
		goto R999;

	case 109: // STATE 275
		;
	/* 2 */	((P2 *)_this)->pe = trpt->bup.ovals[2];
	/* 1 */	((P2 *)_this)->di = trpt->bup.ovals[1];
	/* 0 */	((P2 *)_this)->en = trpt->bup.ovals[0];
		;
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 110: // STATE 276
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 111: // STATE 278
		;
	/* 0 */	((P2 *)_this)->di = trpt->bup.oval;
		;
		;
		goto R999;

	case 112: // STATE 279
		;
		((P2 *)_this)->more = trpt->bup.oval;
		;
		goto R999;

	case 113: // STATE 281
		;
	/* 0 */	((P2 *)_this)->di = trpt->bup.oval;
		;
		;
		goto R999;

	case 114: // STATE 282
		;
		now.mem[ Index(((4*((P2 *)_this)->o)+2), 12) ] = trpt->bup.oval;
		;
		goto R999;

	case 115: // STATE 285
		;
		((P2 *)_this)->v = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 117: // STATE 288
		;
		now.seen[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 118: // STATE 293
		;
		now.calls_now[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 120: // STATE 333
		;
		((P2 *)_this)->pe = trpt->bup.ovals[2];
		((P2 *)_this)->di = trpt->bup.ovals[1];
		((P2 *)_this)->v = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 121: // STATE 307
		;
		now.clears[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.ovals[1];
		now.mem[ Index(((4*((P2 *)_this)->o)+1), 12) ] = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 122: // STATE 310
		;
		((P2 *)_this)->rounds = trpt->bup.oval;
		;
		goto R999;

	case 123: // STATE 311
		;
	/* 0 */	((P2 *)_this)->rounds = trpt->bup.oval;
		;
		;
		goto R999;

	case 124: // STATE 312
		;
		((P2 *)_this)->di = trpt->bup.oval;
		;
		goto R999;

	case 125: // STATE 314
		;
		((P2 *)_this)->pe = trpt->bup.oval;
		;
		goto R999;

	case 126: // STATE 333
		;
		((P2 *)_this)->pe = trpt->bup.ovals[3];
		((P2 *)_this)->di = trpt->bup.ovals[2];
		((P2 *)_this)->v = trpt->bup.ovals[1];
		((P2 *)_this)->more = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 4);
		goto R999;

	case 127: // STATE 333
		;
		((P2 *)_this)->pe = trpt->bup.ovals[2];
		((P2 *)_this)->di = trpt->bup.ovals[1];
		((P2 *)_this)->v = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 128: // STATE 338
		;
		owner_done[ Index(((P2 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 129: // STATE 339
		;
		p_restor(II);
		;
		;
		goto R999;

		 /* PROC remote */
;
		;
		
	case 131: // STATE 2
		;
		now.mem[ Index((8+((P1 *)_this)->o), 12) ] = trpt->bup.oval;
		;
		goto R999;

	case 132: // STATE 6
		;
		now.mem[ Index(((4*((P1 *)_this)->o)+2), 12) ] = trpt->bup.oval;
		;
		goto R999;

	case 133: // STATE 9
		;
		((P1 *)_this)->en = trpt->bup.oval;
		;
		goto R999;

	case 134: // STATE 11
		;
		((P1 *)_this)->pe = trpt->bup.oval;
		;
		goto R999;

	case 135: // STATE 13
		;
		((P1 *)_this)->wa = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 136: // STATE 15
		;
	/* 1 */	((P1 *)_this)->pe = trpt->bup.ovals[1];
	/* 0 */	((P1 *)_this)->en = trpt->bup.ovals[0];
		;
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 137: // STATE 16
		;
		now.mem[ Index(((4*((P1 *)_this)->o)+1), 12) ] = trpt->bup.oval;
		;
		goto R999;

	case 138: // STATE 18
		;
		((P1 *)_this)->wake = trpt->bup.oval;
		;
		goto R999;

	case 139: // STATE 19
		;
	/* 0 */	((P1 *)_this)->wake = trpt->bup.oval;
		;
		;
		goto R999;

	case 140: // STATE 20
		;
		now.notes[ Index(((P1 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;
;
		;
		
	case 142: // STATE 23
		;
		now.asleep[ Index(((P1 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 143: // STATE 38
		;
		((P1 *)_this)->i = trpt->bup.ovals[4];
		((P1 *)_this)->wa = trpt->bup.ovals[3];
		((P1 *)_this)->pe = trpt->bup.ovals[2];
		((P1 *)_this)->en = trpt->bup.ovals[1];
		((P1 *)_this)->wake = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 5);
		goto R999;

	case 144: // STATE 38
		;
		((P1 *)_this)->i = trpt->bup.ovals[4];
		((P1 *)_this)->wa = trpt->bup.ovals[3];
		((P1 *)_this)->pe = trpt->bup.ovals[2];
		((P1 *)_this)->en = trpt->bup.ovals[1];
		((P1 *)_this)->wake = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 5);
		goto R999;

	case 145: // STATE 38
		;
		((P1 *)_this)->i = trpt->bup.ovals[3];
		((P1 *)_this)->wa = trpt->bup.ovals[2];
		((P1 *)_this)->pe = trpt->bup.ovals[1];
		((P1 *)_this)->en = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 4);
		goto R999;

	case 146: // STATE 38
		;
		((P1 *)_this)->i = trpt->bup.ovals[3];
		((P1 *)_this)->wa = trpt->bup.ovals[2];
		((P1 *)_this)->pe = trpt->bup.ovals[1];
		((P1 *)_this)->en = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 4);
		goto R999;

	case 147: // STATE 44
		;
		now.remote_done[ Index(((P1 *)_this)->o, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 148: // STATE 45
		;
		p_restor(II);
		;
		;
		goto R999;

		 /* PROC flusher */

	case 149: // STATE 4
		;
		((P0 *)_this)->j = trpt->bup.ovals[2];
		now.mem[ Index(now.sb_a[ Index(((((P0 *)_this)->t*4)+((P0 *)_this)->i), 8) ], 12) ] = trpt->bup.ovals[1];
		((P0 *)_this)->i = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 150: // STATE 9
		;
		((P0 *)_this)->j = trpt->bup.ovals[3];
		now.sb_e[ Index(((((P0 *)_this)->t*4)+((P0 *)_this)->j), 8) ] = trpt->bup.ovals[2];
		now.sb_v[ Index(((((P0 *)_this)->t*4)+((P0 *)_this)->j), 8) ] = trpt->bup.ovals[1];
		now.sb_a[ Index(((((P0 *)_this)->t*4)+((P0 *)_this)->j), 8) ] = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 4);
		goto R999;

	case 151: // STATE 15
		;
		now.sb_n[ Index(((P0 *)_this)->t, 2) ] = trpt->bup.oval;
		;
		goto R999;

	case 152: // STATE 23
		;
		((P0 *)_this)->j = trpt->bup.ovals[2];
		((P0 *)_this)->i = trpt->bup.ovals[1];
		ep[ Index(((P0 *)_this)->t, 2) ] = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 3);
		goto R999;

	case 153: // STATE 23
		;
		((P0 *)_this)->j = trpt->bup.ovals[1];
		((P0 *)_this)->i = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 154: // STATE 23
		;
		((P0 *)_this)->j = trpt->bup.ovals[1];
		((P0 *)_this)->i = trpt->bup.ovals[0];
		;
		ungrab_ints(trpt->bup.ovals, 2);
		goto R999;

	case 155: // STATE 28
		;
		p_restor(II);
		;
		;
		goto R999;
	}

