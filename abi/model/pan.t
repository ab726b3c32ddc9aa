#ifdef PEG
struct T_SRC {
	char *fl; int ln;
} T_SRC[NTRANS];

void
tr_2_src(int m, char *file, int ln)
{	T_SRC[m].fl = file;
	T_SRC[m].ln = ln;
}

void
putpeg(int n, int m)
{	printf("%5d	trans %4d ", m, n);
	printf("%s:%d\n",
		T_SRC[n].fl, T_SRC[n].ln);
}
#endif

void
settable(void)
{	Trans *T;
	Trans *settr(int, int, int, int, int, char *, int, int, int);

	trans = (Trans ***) emalloc(5*sizeof(Trans **));

	/* proctype 3: :init: */

	trans[3] = (Trans **) emalloc(12*sizeof(Trans *));

	trans[3][1]	= settr(412,0,2,3,3,"mem[(10+0)] = 1", 1, 2, 0);
	trans[3][2]	= settr(413,0,7,4,4,"mem[(10+1)] = 1", 1, 2, 0);
	T = trans[ 3][7] = settr(418,2,0,0,0,"ATOMIC", 0, 2, 0);
	T->nxt	= settr(418,2,3,0,0,"ATOMIC", 0, 2, 0);
	trans[3][3]	= settr(414,2,4,5,5,"(run flusher(0))", 0, 2, 0);
	trans[3][4]	= settr(415,2,5,6,6,"(run flusher(1))", 0, 2, 0);
	trans[3][5]	= settr(416,2,6,7,7,"(run remote(0,1))", 0, 2, 0);
	trans[3][6]	= settr(417,0,8,8,8,"(run owner(1,1))", 0, 2, 0);
	trans[3][8]	= settr(419,0,9,9,0,"(timeout)", 1, 3000, 0);
	trans[3][9]	= settr(420,0,10,10,0,"assert((((remote_done[1]&&(seen[1]==2))&&(mem[((4*1)+2)]==0))&&(mem[((4*1)+1)]==0)))", 1, 2, 0);
	trans[3][10]	= settr(421,0,11,1,0,"(1)", 0, 2, 0);
	trans[3][11]	= settr(422,0,0,11,11,"-end-", 0, 3500, 0);

	/* proctype 2: owner */

	trans[2] = (Trans **) emalloc(340*sizeof(Trans *));

	T = trans[ 2][82] = settr(154,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(154,0,2,0,0,"sub-sequence", 0, 2, 0);
	T = trans[ 2][2] = settr(74,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(74,0,1,0,0,"sub-sequence", 0, 2, 0);
	trans[2][1]	= settr(73,0,3,12,12,"mem[(4*o)] = 1", 1, 2, 0);
	trans[2][3]	= settr(75,0,5,1,0,"(1)", 0, 2, 0);
	T = trans[ 2][5] = settr(77,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(77,0,4,0,0,"sub-sequence", 0, 2, 0);
	trans[2][4]	= settr(76,0,7,13,13,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[ 2][7] = settr(79,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(79,0,6,0,0,"sub-sequence", 0, 2, 0);
	trans[2][6]	= settr(78,0,80,14,14,"pe = mem[((4*o)+1)]", 1, 2, 0);
	T = trans[2][80] = settr(152,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(152,0,8,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(152,0,78,0,0,"IF", 0, 2, 0);
	trans[2][8]	= settr(80,0,77,15,15,"(((di==1)||(pe==1)))", 0, 2, 0);
	T = trans[ 2][77] = settr(149,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(149,0,9,0,0,"sub-sequence", 0, 2, 0);
	trans[2][9]	= settr(81,0,10,16,16,"calls_now[o] = 0", 1, 2, 0);
	trans[2][10]	= settr(82,0,71,17,17,"rounds = 0", 0, 2, 0); /* m: 11 -> 0,71 */
	reached2[11] = 1;
	trans[2][11]	= settr(0,0,0,0,0,"more = 0",0,0,0);
	trans[2][72]	= settr(144,0,71,1,0,".(goto)", 0, 2, 0);
	T = trans[2][71] = settr(143,0,0,0,0,"DO", 0, 2, 0);
	    T->nxt	= settr(143,0,13,0,0,"DO", 0, 2, 0);
	T = trans[ 2][13] = settr(85,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(85,0,12,0,0,"sub-sequence", 0, 2, 0);
	trans[2][12]	= settr(84,0,15,18,18,"en = mem[(4*o)]", 1, 2, 0);
	T = trans[ 2][15] = settr(87,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(87,0,14,0,0,"sub-sequence", 0, 2, 0);
	trans[2][14]	= settr(86,0,17,19,19,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[ 2][17] = settr(89,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(89,0,16,0,0,"sub-sequence", 0, 2, 0);
	trans[2][16]	= settr(88,0,69,20,20,"pe = mem[((4*o)+1)]", 1, 2, 0);
	T = trans[2][69] = settr(141,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(141,0,18,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(141,0,67,0,0,"IF", 0, 2, 0);
	trans[2][18]	= settr(90,0,42,21,21,"(((en==1)&&((di==1)||(pe==1))))", 0, 2, 0);
	trans[2][43]	= settr(115,0,42,1,0,".(goto)", 0, 2, 0);
	T = trans[2][42] = settr(114,0,0,0,0,"DO", 0, 2, 0);
	    T->nxt	= settr(114,0,20,0,0,"DO", 0, 2, 0);
	T = trans[ 2][20] = settr(92,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(92,0,19,0,0,"sub-sequence", 0, 2, 0);
	trans[2][19]	= settr(91,0,40,22,22,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[2][40] = settr(112,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(112,0,21,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(112,0,24,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(112,0,38,0,0,"IF", 0, 2, 0);
	trans[2][21]	= settr(93,0,22,23,23,"(((di==1)&&(calls_now[o]>=1)))", 1, 2, 0);
	trans[2][22]	= settr(94,0,65,24,24,"more = 1", 0, 2, 0);
	trans[2][23]	= settr(95,0,65,1,0,"goto :b4", 0, 2, 0);
	trans[2][41]	= settr(113,0,42,1,0,".(goto)", 0, 2, 0);
	trans[2][24]	= settr(96,0,26,25,25,"(((di==1)&&(calls_now[o]<1)))", 1, 2, 0);
	T = trans[ 2][26] = settr(98,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(98,0,25,0,0,"sub-sequence", 0, 2, 0);
	trans[2][25]	= settr(97,0,27,26,26,"mem[((4*o)+2)] = 0", 1, 2, 0);
	trans[2][27]	= settr(99,0,29,1,0,"(1)", 0, 2, 0);
	T = trans[ 2][29] = settr(101,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(101,0,28,0,0,"sub-sequence", 0, 2, 0);
	trans[2][28]	= settr(100,0,34,27,27,"v = mem[(8+o)]", 1, 2, 0);
	T = trans[2][34] = settr(106,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(106,0,30,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(106,0,32,0,0,"IF", 0, 2, 0);
	trans[2][30]	= settr(102,0,31,28,0,"((v>seen[o]))", 1, 2, 0);
	trans[2][31]	= settr(103,0,36,29,29,"seen[o] = v", 1, 2, 0);
	trans[2][35]	= settr(107,0,36,1,0,".(goto)", 0, 2, 0);
	trans[2][32]	= settr(104,0,33,2,0,"else", 0, 2, 0);
	trans[2][33]	= settr(105,0,36,1,0,"(1)", 0, 2, 0);
	trans[2][36]	= settr(108,0,37,30,30,"calls_now[o] = (calls_now[o]+1)", 1, 2, 0);
	trans[2][37]	= settr(109,0,42,31,0,"assert((calls_now[o]<=1))", 1, 2, 0);
	trans[2][38]	= settr(110,0,65,2,0,"else", 0, 2, 0);
	trans[2][39]	= settr(111,0,65,1,0,"goto :b4", 0, 2, 0);
	trans[2][44]	= settr(116,0,65,1,0,"break", 0, 2, 0);
	T = trans[2][65] = settr(137,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(137,0,45,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(137,0,47,0,0,"IF", 0, 2, 0);
	trans[2][45]	= settr(117,0,335,32,32,"(more)", 0, 2, 0); /* m: 74 -> 335,0 */
	reached2[74] = 1;
	trans[2][46]	= settr(118,0,74,1,0,"goto :b3", 0, 2, 0); /* m: 74 -> 0,335 */
	reached2[74] = 1;
	trans[2][66]	= settr(138,0,71,1,0,".(goto)", 0, 2, 0);
	trans[2][47]	= settr(119,0,51,2,0,"else", 0, 2, 0);
	T = trans[ 2][51] = settr(123,2,0,0,0,"ATOMIC", 1, 2, 0);
	T->nxt	= settr(123,2,49,0,0,"ATOMIC", 1, 2, 0);
	T = trans[ 2][49] = settr(121,0,0,0,0,"sub-sequence", 1, 2, 0);
	T->nxt	= settr(121,0,48,0,0,"sub-sequence", 1, 2, 0);
	trans[2][48]	= settr(120,4,52,33,33,"mem[((4*o)+1)] = 0", 1, 2, 0); /* m: 50 -> 0,52 */
	reached2[50] = 1;
	trans[2][50]	= settr(0,0,0,0,0,"clears[o] = (clears[o]+1)",0,0,0);
	trans[2][52]	= settr(124,0,63,34,34,"(1)", 0, 2, 0); /* m: 53 -> 63,0 */
	reached2[53] = 1;
	trans[2][53]	= settr(0,0,0,0,0,"rounds = (rounds+1)",0,0,0);
	T = trans[2][63] = settr(135,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(135,0,54,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(135,0,61,0,0,"IF", 0, 2, 0);
	trans[2][54]	= settr(126,0,56,35,35,"((rounds>=1))", 0, 2, 0);
	T = trans[ 2][56] = settr(128,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(128,0,55,0,0,"sub-sequence", 0, 2, 0);
	trans[2][55]	= settr(127,0,58,36,36,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[ 2][58] = settr(130,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(130,0,57,0,0,"sub-sequence", 0, 2, 0);
	trans[2][57]	= settr(129,0,59,37,37,"pe = mem[((4*o)+1)]", 1, 2, 0);
	trans[2][59]	= settr(131,0,335,38,38,"more = ((di==1)||(pe==1))", 0, 2, 0); /* m: 74 -> 0,335 */
	reached2[74] = 1;
	trans[2][60]	= settr(132,0,74,1,0,"goto :b3", 0, 2, 0); /* m: 74 -> 0,335 */
	reached2[74] = 1;
	trans[2][64]	= settr(136,0,71,1,0,".(goto)", 0, 2, 0);
	trans[2][61]	= settr(133,0,62,2,0,"else", 0, 2, 0);
	trans[2][62]	= settr(134,0,71,1,0,"(1)", 0, 2, 0);
	trans[2][70]	= settr(142,0,71,1,0,".(goto)", 0, 2, 0);
	trans[2][67]	= settr(139,0,74,2,0,"else", 0, 2, 0);
	trans[2][68]	= settr(140,0,74,1,0,"goto :b3", 0, 2, 0); /* m: 74 -> 0,335 */
	reached2[74] = 1;
	trans[2][73]	= settr(145,0,74,1,0,"break", 0, 2, 0);
	trans[2][74]	= settr(146,0,335,39,39,"v = 0", 0, 2, 0); /* m: 75 -> 0,335 */
	reached2[75] = 1;
	trans[2][75]	= settr(0,0,0,0,0,"di = 0",0,0,0);
	trans[2][76]	= settr(0,0,0,0,0,"pe = 0",0,0,0);
	trans[2][81]	= settr(153,0,335,1,0,".(goto)", 0, 2, 0);
	trans[2][78]	= settr(150,0,79,2,0,"else", 0, 2, 0);
	trans[2][79]	= settr(151,0,335,1,0,"(1)", 0, 2, 0);
	trans[2][336]	= settr(408,0,335,1,0,".(goto)", 0, 2, 0);
	T = trans[2][335] = settr(407,0,0,0,0,"DO", 0, 2, 0);
	T = T->nxt	= settr(407,0,83,0,0,"DO", 0, 2, 0);
	    T->nxt	= settr(407,0,153,0,0,"DO", 0, 2, 0);
	trans[2][83]	= settr(155,0,152,40,40,"(more)", 0, 2, 0);
	T = trans[ 2][152] = settr(224,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(224,0,84,0,0,"sub-sequence", 0, 2, 0);
	trans[2][84]	= settr(156,0,85,41,41,"calls_now[o] = 0", 1, 2, 0);
	trans[2][85]	= settr(157,0,146,42,42,"rounds = 0", 0, 2, 0); /* m: 86 -> 0,146 */
	reached2[86] = 1;
	trans[2][86]	= settr(0,0,0,0,0,"more = 0",0,0,0);
	trans[2][147]	= settr(219,0,146,1,0,".(goto)", 0, 2, 0);
	T = trans[2][146] = settr(218,0,0,0,0,"DO", 0, 2, 0);
	    T->nxt	= settr(218,0,88,0,0,"DO", 0, 2, 0);
	T = trans[ 2][88] = settr(160,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(160,0,87,0,0,"sub-sequence", 0, 2, 0);
	trans[2][87]	= settr(159,0,90,43,43,"en = mem[(4*o)]", 1, 2, 0);
	T = trans[ 2][90] = settr(162,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(162,0,89,0,0,"sub-sequence", 0, 2, 0);
	trans[2][89]	= settr(161,0,92,44,44,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[ 2][92] = settr(164,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(164,0,91,0,0,"sub-sequence", 0, 2, 0);
	trans[2][91]	= settr(163,0,144,45,45,"pe = mem[((4*o)+1)]", 1, 2, 0);
	T = trans[2][144] = settr(216,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(216,0,93,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(216,0,142,0,0,"IF", 0, 2, 0);
	trans[2][93]	= settr(165,0,117,46,46,"(((en==1)&&((di==1)||(pe==1))))", 0, 2, 0);
	trans[2][118]	= settr(190,0,117,1,0,".(goto)", 0, 2, 0);
	T = trans[2][117] = settr(189,0,0,0,0,"DO", 0, 2, 0);
	    T->nxt	= settr(189,0,95,0,0,"DO", 0, 2, 0);
	T = trans[ 2][95] = settr(167,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(167,0,94,0,0,"sub-sequence", 0, 2, 0);
	trans[2][94]	= settr(166,0,115,47,47,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[2][115] = settr(187,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(187,0,96,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(187,0,99,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(187,0,113,0,0,"IF", 0, 2, 0);
	trans[2][96]	= settr(168,0,97,48,48,"(((di==1)&&(calls_now[o]>=1)))", 1, 2, 0);
	trans[2][97]	= settr(169,0,140,49,49,"more = 1", 0, 2, 0);
	trans[2][98]	= settr(170,0,140,1,0,"goto :b7", 0, 2, 0);
	trans[2][116]	= settr(188,0,117,1,0,".(goto)", 0, 2, 0);
	trans[2][99]	= settr(171,0,101,50,50,"(((di==1)&&(calls_now[o]<1)))", 1, 2, 0);
	T = trans[ 2][101] = settr(173,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(173,0,100,0,0,"sub-sequence", 0, 2, 0);
	trans[2][100]	= settr(172,0,102,51,51,"mem[((4*o)+2)] = 0", 1, 2, 0);
	trans[2][102]	= settr(174,0,104,1,0,"(1)", 0, 2, 0);
	T = trans[ 2][104] = settr(176,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(176,0,103,0,0,"sub-sequence", 0, 2, 0);
	trans[2][103]	= settr(175,0,109,52,52,"v = mem[(8+o)]", 1, 2, 0);
	T = trans[2][109] = settr(181,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(181,0,105,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(181,0,107,0,0,"IF", 0, 2, 0);
	trans[2][105]	= settr(177,0,106,53,0,"((v>seen[o]))", 1, 2, 0);
	trans[2][106]	= settr(178,0,111,54,54,"seen[o] = v", 1, 2, 0);
	trans[2][110]	= settr(182,0,111,1,0,".(goto)", 0, 2, 0);
	trans[2][107]	= settr(179,0,108,2,0,"else", 0, 2, 0);
	trans[2][108]	= settr(180,0,111,1,0,"(1)", 0, 2, 0);
	trans[2][111]	= settr(183,0,112,55,55,"calls_now[o] = (calls_now[o]+1)", 1, 2, 0);
	trans[2][112]	= settr(184,0,117,56,0,"assert((calls_now[o]<=1))", 1, 2, 0);
	trans[2][113]	= settr(185,0,140,2,0,"else", 0, 2, 0);
	trans[2][114]	= settr(186,0,140,1,0,"goto :b7", 0, 2, 0);
	trans[2][119]	= settr(191,0,140,1,0,"break", 0, 2, 0);
	T = trans[2][140] = settr(212,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(212,0,120,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(212,0,122,0,0,"IF", 0, 2, 0);
	trans[2][120]	= settr(192,0,335,57,57,"(more)", 0, 2, 0); /* m: 149 -> 335,0 */
	reached2[149] = 1;
	trans[2][121]	= settr(193,0,149,1,0,"goto :b6", 0, 2, 0); /* m: 149 -> 0,335 */
	reached2[149] = 1;
	trans[2][141]	= settr(213,0,146,1,0,".(goto)", 0, 2, 0);
	trans[2][122]	= settr(194,0,126,2,0,"else", 0, 2, 0);
	T = trans[ 2][126] = settr(198,2,0,0,0,"ATOMIC", 1, 2, 0);
	T->nxt	= settr(198,2,124,0,0,"ATOMIC", 1, 2, 0);
	T = trans[ 2][124] = settr(196,0,0,0,0,"sub-sequence", 1, 2, 0);
	T->nxt	= settr(196,0,123,0,0,"sub-sequence", 1, 2, 0);
	trans[2][123]	= settr(195,4,127,58,58,"mem[((4*o)+1)] = 0", 1, 2, 0); /* m: 125 -> 0,127 */
	reached2[125] = 1;
	trans[2][125]	= settr(0,0,0,0,0,"clears[o] = (clears[o]+1)",0,0,0);
	trans[2][127]	= settr(199,0,138,59,59,"(1)", 0, 2, 0); /* m: 128 -> 138,0 */
	reached2[128] = 1;
	trans[2][128]	= settr(0,0,0,0,0,"rounds = (rounds+1)",0,0,0);
	T = trans[2][138] = settr(210,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(210,0,129,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(210,0,136,0,0,"IF", 0, 2, 0);
	trans[2][129]	= settr(201,0,131,60,60,"((rounds>=1))", 0, 2, 0);
	T = trans[ 2][131] = settr(203,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(203,0,130,0,0,"sub-sequence", 0, 2, 0);
	trans[2][130]	= settr(202,0,133,61,61,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[ 2][133] = settr(205,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(205,0,132,0,0,"sub-sequence", 0, 2, 0);
	trans[2][132]	= settr(204,0,134,62,62,"pe = mem[((4*o)+1)]", 1, 2, 0);
	trans[2][134]	= settr(206,0,335,63,63,"more = ((di==1)||(pe==1))", 0, 2, 0); /* m: 149 -> 0,335 */
	reached2[149] = 1;
	trans[2][135]	= settr(207,0,149,1,0,"goto :b6", 0, 2, 0); /* m: 149 -> 0,335 */
	reached2[149] = 1;
	trans[2][139]	= settr(211,0,146,1,0,".(goto)", 0, 2, 0);
	trans[2][136]	= settr(208,0,137,2,0,"else", 0, 2, 0);
	trans[2][137]	= settr(209,0,146,1,0,"(1)", 0, 2, 0);
	trans[2][145]	= settr(217,0,146,1,0,".(goto)", 0, 2, 0);
	trans[2][142]	= settr(214,0,149,2,0,"else", 0, 2, 0);
	trans[2][143]	= settr(215,0,149,1,0,"goto :b6", 0, 2, 0); /* m: 149 -> 0,335 */
	reached2[149] = 1;
	trans[2][148]	= settr(220,0,149,1,0,"break", 0, 2, 0);
	trans[2][149]	= settr(221,0,335,64,64,"v = 0", 0, 2, 0); /* m: 150 -> 0,335 */
	reached2[150] = 1;
	trans[2][150]	= settr(0,0,0,0,0,"di = 0",0,0,0);
	trans[2][151]	= settr(0,0,0,0,0,"pe = 0",0,0,0);
	trans[2][153]	= settr(225,0,189,65,65,"(!(more))", 0, 2, 0);
	T = trans[ 2][189] = settr(261,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(261,0,186,0,0,"sub-sequence", 0, 2, 0);
	trans[2][187]	= settr(259,0,186,1,0,".(goto)", 0, 2, 0);
	T = trans[2][186] = settr(258,0,0,0,0,"DO", 0, 2, 0);
	    T->nxt	= settr(258,0,155,0,0,"DO", 0, 2, 0);
	T = trans[ 2][155] = settr(227,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(227,0,154,0,0,"sub-sequence", 0, 2, 0);
	trans[2][154]	= settr(226,0,161,66,66,"st = mem[(10+(1-o))]", 1, 2, 0);
	T = trans[2][161] = settr(233,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(233,0,156,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(233,0,159,0,0,"IF", 0, 2, 0);
	trans[2][156]	= settr(228,0,264,67,67,"((st==2))", 0, 2, 0); /* m: 157 -> 264,0 */
	reached2[157] = 1;
	trans[2][157]	= settr(0,0,0,0,0,"closed = 1",0,0,0);
	trans[2][158]	= settr(230,0,190,1,0,"goto :b8", 0, 2, 0); /* m: 190 -> 0,264 */
	reached2[190] = 1;
	trans[2][162]	= settr(234,0,164,1,0,".(goto)", 0, 2, 0);
	trans[2][159]	= settr(231,0,160,2,0,"else", 0, 2, 0);
	trans[2][160]	= settr(232,0,164,1,0,"(1)", 0, 2, 0);
	T = trans[ 2][164] = settr(236,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(236,0,163,0,0,"sub-sequence", 0, 2, 0);
	trans[2][163]	= settr(235,0,166,68,68,"en = mem[(4*o)]", 1, 2, 0);
	T = trans[ 2][166] = settr(238,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(238,0,165,0,0,"sub-sequence", 0, 2, 0);
	trans[2][165]	= settr(237,0,168,69,69,"pe = mem[((4*o)+1)]", 1, 2, 0);
	T = trans[ 2][168] = settr(240,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(240,0,167,0,0,"sub-sequence", 0, 2, 0);
	trans[2][167]	= settr(239,0,184,70,70,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[2][184] = settr(256,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(256,0,169,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(256,0,171,0,0,"IF", 0, 2, 0);
	trans[2][169]	= settr(241,0,264,71,71,"((((en==1)&&((di==1)||(pe==1)))&&!(blind)))", 0, 2, 0); /* m: 190 -> 264,0 */
	reached2[190] = 1;
	trans[2][170]	= settr(242,0,190,1,0,"goto :b8", 0, 2, 0); /* m: 190 -> 0,264 */
	reached2[190] = 1;
	trans[2][185]	= settr(257,0,186,1,0,".(goto)", 0, 2, 0);
	trans[2][171]	= settr(243,0,172,2,0,"else", 0, 2, 0);
	trans[2][172]	= settr(244,0,173,72,72,"wa = 0", 0, 2, 0);
	trans[2][173]	= settr(245,0,180,1,0,"(1)", 0, 2, 0);
	T = trans[ 2][180] = settr(252,2,0,0,0,"ATOMIC", 1, 2, 0);
	T->nxt	= settr(252,2,178,0,0,"ATOMIC", 1, 2, 0);
	T = trans[2][178] = settr(250,2,0,0,0,"IF", 1, 2, 0);
	T = T->nxt	= settr(250,2,174,0,0,"IF", 1, 2, 0);
	    T->nxt	= settr(250,2,176,0,0,"IF", 1, 2, 0);
	trans[2][174]	= settr(246,4,181,73,73,"(((((mem[(4*o)]==en)&&(mem[((4*o)+1)]==pe))&&(mem[((4*o)+2)]==di))&&(mem[((4*o)+3)]==wa)))", 1, 2, 0); /* m: 175 -> 181,0 */
	reached2[175] = 1;
	trans[2][175]	= settr(0,0,0,0,0,"asleep[o] = 1",0,0,0);
	trans[2][179]	= settr(251,0,181,74,74,".(goto)", 1, 2, 0);
	trans[2][176]	= settr(248,2,177,2,0,"else", 1, 2, 0);
	trans[2][177]	= settr(249,4,181,75,75,"(1)", 1, 2, 0); /* m: 179 -> 181,0 */
	reached2[179] = 1;
	trans[2][181]	= settr(253,0,182,76,0,"(!(asleep[o]))", 1, 2, 0);
	trans[2][182]	= settr(254,0,183,77,77,"blind = 0", 0, 2, 0);
	trans[2][183]	= settr(255,0,186,1,0,"(1)", 0, 2, 0);
	trans[2][188]	= settr(260,0,190,1,0,"break", 0, 2, 0);
	trans[2][190]	= settr(262,0,264,78,78,"blind = 0", 0, 2, 0);
	T = trans[2][264] = settr(336,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(336,0,191,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(336,0,262,0,0,"IF", 0, 2, 0);
	trans[2][191]	= settr(263,0,260,79,79,"(closed)", 0, 2, 0);
	T = trans[ 2][260] = settr(332,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(332,0,192,0,0,"sub-sequence", 0, 2, 0);
	trans[2][192]	= settr(264,0,193,80,80,"calls_now[o] = 0", 1, 2, 0);
	trans[2][193]	= settr(265,0,254,81,81,"rounds = 0", 0, 2, 0); /* m: 194 -> 0,254 */
	reached2[194] = 1;
	trans[2][194]	= settr(0,0,0,0,0,"more = 0",0,0,0);
	trans[2][255]	= settr(327,0,254,1,0,".(goto)", 0, 2, 0);
	T = trans[2][254] = settr(326,0,0,0,0,"DO", 0, 2, 0);
	    T->nxt	= settr(326,0,196,0,0,"DO", 0, 2, 0);
	T = trans[ 2][196] = settr(268,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(268,0,195,0,0,"sub-sequence", 0, 2, 0);
	trans[2][195]	= settr(267,0,198,82,82,"en = mem[(4*o)]", 1, 2, 0);
	T = trans[ 2][198] = settr(270,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(270,0,197,0,0,"sub-sequence", 0, 2, 0);
	trans[2][197]	= settr(269,0,200,83,83,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[ 2][200] = settr(272,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(272,0,199,0,0,"sub-sequence", 0, 2, 0);
	trans[2][199]	= settr(271,0,252,84,84,"pe = mem[((4*o)+1)]", 1, 2, 0);
	T = trans[2][252] = settr(324,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(324,0,201,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(324,0,250,0,0,"IF", 0, 2, 0);
	trans[2][201]	= settr(273,0,225,85,85,"(((en==1)&&((di==1)||(pe==1))))", 0, 2, 0);
	trans[2][226]	= settr(298,0,225,1,0,".(goto)", 0, 2, 0);
	T = trans[2][225] = settr(297,0,0,0,0,"DO", 0, 2, 0);
	    T->nxt	= settr(297,0,203,0,0,"DO", 0, 2, 0);
	T = trans[ 2][203] = settr(275,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(275,0,202,0,0,"sub-sequence", 0, 2, 0);
	trans[2][202]	= settr(274,0,223,86,86,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[2][223] = settr(295,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(295,0,204,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(295,0,207,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(295,0,221,0,0,"IF", 0, 2, 0);
	trans[2][204]	= settr(276,0,205,87,87,"(((di==1)&&(calls_now[o]>=1)))", 1, 2, 0);
	trans[2][205]	= settr(277,0,248,88,88,"more = 1", 0, 2, 0);
	trans[2][206]	= settr(278,0,248,1,0,"goto :b10", 0, 2, 0);
	trans[2][224]	= settr(296,0,225,1,0,".(goto)", 0, 2, 0);
	trans[2][207]	= settr(279,0,209,89,89,"(((di==1)&&(calls_now[o]<1)))", 1, 2, 0);
	T = trans[ 2][209] = settr(281,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(281,0,208,0,0,"sub-sequence", 0, 2, 0);
	trans[2][208]	= settr(280,0,210,90,90,"mem[((4*o)+2)] = 0", 1, 2, 0);
	trans[2][210]	= settr(282,0,212,1,0,"(1)", 0, 2, 0);
	T = trans[ 2][212] = settr(284,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(284,0,211,0,0,"sub-sequence", 0, 2, 0);
	trans[2][211]	= settr(283,0,217,91,91,"v = mem[(8+o)]", 1, 2, 0);
	T = trans[2][217] = settr(289,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(289,0,213,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(289,0,215,0,0,"IF", 0, 2, 0);
	trans[2][213]	= settr(285,0,214,92,0,"((v>seen[o]))", 1, 2, 0);
	trans[2][214]	= settr(286,0,219,93,93,"seen[o] = v", 1, 2, 0);
	trans[2][218]	= settr(290,0,219,1,0,".(goto)", 0, 2, 0);
	trans[2][215]	= settr(287,0,216,2,0,"else", 0, 2, 0);
	trans[2][216]	= settr(288,0,219,1,0,"(1)", 0, 2, 0);
	trans[2][219]	= settr(291,0,220,94,94,"calls_now[o] = (calls_now[o]+1)", 1, 2, 0);
	trans[2][220]	= settr(292,0,225,95,0,"assert((calls_now[o]<=1))", 1, 2, 0);
	trans[2][221]	= settr(293,0,248,2,0,"else", 0, 2, 0);
	trans[2][222]	= settr(294,0,248,1,0,"goto :b10", 0, 2, 0);
	trans[2][227]	= settr(299,0,248,1,0,"break", 0, 2, 0);
	T = trans[2][248] = settr(320,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(320,0,228,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(320,0,230,0,0,"IF", 0, 2, 0);
	trans[2][228]	= settr(300,0,338,96,96,"(more)", 0, 2, 0); /* m: 257 -> 338,0 */
	reached2[257] = 1;
	trans[2][229]	= settr(301,0,257,1,0,"goto :b9", 0, 2, 0); /* m: 257 -> 0,338 */
	reached2[257] = 1;
	trans[2][249]	= settr(321,0,254,1,0,".(goto)", 0, 2, 0);
	trans[2][230]	= settr(302,0,234,2,0,"else", 0, 2, 0);
	T = trans[ 2][234] = settr(306,2,0,0,0,"ATOMIC", 1, 2, 0);
	T->nxt	= settr(306,2,232,0,0,"ATOMIC", 1, 2, 0);
	T = trans[ 2][232] = settr(304,0,0,0,0,"sub-sequence", 1, 2, 0);
	T->nxt	= settr(304,0,231,0,0,"sub-sequence", 1, 2, 0);
	trans[2][231]	= settr(303,4,235,97,97,"mem[((4*o)+1)] = 0", 1, 2, 0); /* m: 233 -> 0,235 */
	reached2[233] = 1;
	trans[2][233]	= settr(0,0,0,0,0,"clears[o] = (clears[o]+1)",0,0,0);
	trans[2][235]	= settr(307,0,246,98,98,"(1)", 0, 2, 0); /* m: 236 -> 246,0 */
	reached2[236] = 1;
	trans[2][236]	= settr(0,0,0,0,0,"rounds = (rounds+1)",0,0,0);
	T = trans[2][246] = settr(318,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(318,0,237,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(318,0,244,0,0,"IF", 0, 2, 0);
	trans[2][237]	= settr(309,0,239,99,99,"((rounds>=1))", 0, 2, 0);
	T = trans[ 2][239] = settr(311,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(311,0,238,0,0,"sub-sequence", 0, 2, 0);
	trans[2][238]	= settr(310,0,241,100,100,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[ 2][241] = settr(313,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(313,0,240,0,0,"sub-sequence", 0, 2, 0);
	trans[2][240]	= settr(312,0,242,101,101,"pe = mem[((4*o)+1)]", 1, 2, 0);
	trans[2][242]	= settr(314,0,338,102,102,"more = ((di==1)||(pe==1))", 0, 2, 0); /* m: 257 -> 0,338 */
	reached2[257] = 1;
	trans[2][243]	= settr(315,0,257,1,0,"goto :b9", 0, 2, 0); /* m: 257 -> 0,338 */
	reached2[257] = 1;
	trans[2][247]	= settr(319,0,254,1,0,".(goto)", 0, 2, 0);
	trans[2][244]	= settr(316,0,245,2,0,"else", 0, 2, 0);
	trans[2][245]	= settr(317,0,254,1,0,"(1)", 0, 2, 0);
	trans[2][253]	= settr(325,0,254,1,0,".(goto)", 0, 2, 0);
	trans[2][250]	= settr(322,0,257,2,0,"else", 0, 2, 0);
	trans[2][251]	= settr(323,0,257,1,0,"goto :b9", 0, 2, 0); /* m: 257 -> 0,338 */
	reached2[257] = 1;
	trans[2][256]	= settr(328,0,257,1,0,"break", 0, 2, 0);
	trans[2][257]	= settr(329,0,338,103,103,"v = 0", 0, 2, 0); /* m: 258 -> 0,338 */
	reached2[258] = 1;
	trans[2][258]	= settr(0,0,0,0,0,"di = 0",0,0,0);
	trans[2][259]	= settr(0,0,0,0,0,"pe = 0",0,0,0);
	trans[2][261]	= settr(333,0,338,1,0,"goto :b5", 0, 2, 0);
	trans[2][265]	= settr(337,0,334,1,0,".(goto)", 0, 2, 0);
	trans[2][262]	= settr(334,0,263,2,0,"else", 0, 2, 0);
	trans[2][263]	= settr(335,0,334,1,0,"(1)", 0, 2, 0);
	T = trans[ 2][334] = settr(406,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(406,0,266,0,0,"sub-sequence", 0, 2, 0);
	trans[2][266]	= settr(338,0,267,104,104,"calls_now[o] = 0", 1, 2, 0);
	trans[2][267]	= settr(339,0,328,105,105,"rounds = 0", 0, 2, 0); /* m: 268 -> 0,328 */
	reached2[268] = 1;
	trans[2][268]	= settr(0,0,0,0,0,"more = 0",0,0,0);
	trans[2][329]	= settr(401,0,328,1,0,".(goto)", 0, 2, 0);
	T = trans[2][328] = settr(400,0,0,0,0,"DO", 0, 2, 0);
	    T->nxt	= settr(400,0,270,0,0,"DO", 0, 2, 0);
	T = trans[ 2][270] = settr(342,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(342,0,269,0,0,"sub-sequence", 0, 2, 0);
	trans[2][269]	= settr(341,0,272,106,106,"en = mem[(4*o)]", 1, 2, 0);
	T = trans[ 2][272] = settr(344,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(344,0,271,0,0,"sub-sequence", 0, 2, 0);
	trans[2][271]	= settr(343,0,274,107,107,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[ 2][274] = settr(346,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(346,0,273,0,0,"sub-sequence", 0, 2, 0);
	trans[2][273]	= settr(345,0,326,108,108,"pe = mem[((4*o)+1)]", 1, 2, 0);
	T = trans[2][326] = settr(398,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(398,0,275,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(398,0,324,0,0,"IF", 0, 2, 0);
	trans[2][275]	= settr(347,0,299,109,109,"(((en==1)&&((di==1)||(pe==1))))", 0, 2, 0);
	trans[2][300]	= settr(372,0,299,1,0,".(goto)", 0, 2, 0);
	T = trans[2][299] = settr(371,0,0,0,0,"DO", 0, 2, 0);
	    T->nxt	= settr(371,0,277,0,0,"DO", 0, 2, 0);
	T = trans[ 2][277] = settr(349,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(349,0,276,0,0,"sub-sequence", 0, 2, 0);
	trans[2][276]	= settr(348,0,297,110,110,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[2][297] = settr(369,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(369,0,278,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(369,0,281,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(369,0,295,0,0,"IF", 0, 2, 0);
	trans[2][278]	= settr(350,0,279,111,111,"(((di==1)&&(calls_now[o]>=1)))", 1, 2, 0);
	trans[2][279]	= settr(351,0,322,112,112,"more = 1", 0, 2, 0);
	trans[2][280]	= settr(352,0,322,1,0,"goto :b12", 0, 2, 0);
	trans[2][298]	= settr(370,0,299,1,0,".(goto)", 0, 2, 0);
	trans[2][281]	= settr(353,0,283,113,113,"(((di==1)&&(calls_now[o]<1)))", 1, 2, 0);
	T = trans[ 2][283] = settr(355,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(355,0,282,0,0,"sub-sequence", 0, 2, 0);
	trans[2][282]	= settr(354,0,284,114,114,"mem[((4*o)+2)] = 0", 1, 2, 0);
	trans[2][284]	= settr(356,0,286,1,0,"(1)", 0, 2, 0);
	T = trans[ 2][286] = settr(358,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(358,0,285,0,0,"sub-sequence", 0, 2, 0);
	trans[2][285]	= settr(357,0,291,115,115,"v = mem[(8+o)]", 1, 2, 0);
	T = trans[2][291] = settr(363,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(363,0,287,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(363,0,289,0,0,"IF", 0, 2, 0);
	trans[2][287]	= settr(359,0,288,116,0,"((v>seen[o]))", 1, 2, 0);
	trans[2][288]	= settr(360,0,293,117,117,"seen[o] = v", 1, 2, 0);
	trans[2][292]	= settr(364,0,293,1,0,".(goto)", 0, 2, 0);
	trans[2][289]	= settr(361,0,290,2,0,"else", 0, 2, 0);
	trans[2][290]	= settr(362,0,293,1,0,"(1)", 0, 2, 0);
	trans[2][293]	= settr(365,0,294,118,118,"calls_now[o] = (calls_now[o]+1)", 1, 2, 0);
	trans[2][294]	= settr(366,0,299,119,0,"assert((calls_now[o]<=1))", 1, 2, 0);
	trans[2][295]	= settr(367,0,322,2,0,"else", 0, 2, 0);
	trans[2][296]	= settr(368,0,322,1,0,"goto :b12", 0, 2, 0);
	trans[2][301]	= settr(373,0,322,1,0,"break", 0, 2, 0);
	T = trans[2][322] = settr(394,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(394,0,302,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(394,0,304,0,0,"IF", 0, 2, 0);
	trans[2][302]	= settr(374,0,335,120,120,"(more)", 0, 2, 0); /* m: 331 -> 335,0 */
	reached2[331] = 1;
	trans[2][303]	= settr(375,0,331,1,0,"goto :b11", 0, 2, 0); /* m: 331 -> 0,335 */
	reached2[331] = 1;
	trans[2][323]	= settr(395,0,328,1,0,".(goto)", 0, 2, 0);
	trans[2][304]	= settr(376,0,308,2,0,"else", 0, 2, 0);
	T = trans[ 2][308] = settr(380,2,0,0,0,"ATOMIC", 1, 2, 0);
	T->nxt	= settr(380,2,306,0,0,"ATOMIC", 1, 2, 0);
	T = trans[ 2][306] = settr(378,0,0,0,0,"sub-sequence", 1, 2, 0);
	T->nxt	= settr(378,0,305,0,0,"sub-sequence", 1, 2, 0);
	trans[2][305]	= settr(377,4,309,121,121,"mem[((4*o)+1)] = 0", 1, 2, 0); /* m: 307 -> 0,309 */
	reached2[307] = 1;
	trans[2][307]	= settr(0,0,0,0,0,"clears[o] = (clears[o]+1)",0,0,0);
	trans[2][309]	= settr(381,0,320,122,122,"(1)", 0, 2, 0); /* m: 310 -> 320,0 */
	reached2[310] = 1;
	trans[2][310]	= settr(0,0,0,0,0,"rounds = (rounds+1)",0,0,0);
	T = trans[2][320] = settr(392,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(392,0,311,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(392,0,318,0,0,"IF", 0, 2, 0);
	trans[2][311]	= settr(383,0,313,123,123,"((rounds>=1))", 0, 2, 0);
	T = trans[ 2][313] = settr(385,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(385,0,312,0,0,"sub-sequence", 0, 2, 0);
	trans[2][312]	= settr(384,0,315,124,124,"di = mem[((4*o)+2)]", 1, 2, 0);
	T = trans[ 2][315] = settr(387,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(387,0,314,0,0,"sub-sequence", 0, 2, 0);
	trans[2][314]	= settr(386,0,316,125,125,"pe = mem[((4*o)+1)]", 1, 2, 0);
	trans[2][316]	= settr(388,0,335,126,126,"more = ((di==1)||(pe==1))", 0, 2, 0); /* m: 331 -> 0,335 */
	reached2[331] = 1;
	trans[2][317]	= settr(389,0,331,1,0,"goto :b11", 0, 2, 0); /* m: 331 -> 0,335 */
	reached2[331] = 1;
	trans[2][321]	= settr(393,0,328,1,0,".(goto)", 0, 2, 0);
	trans[2][318]	= settr(390,0,319,2,0,"else", 0, 2, 0);
	trans[2][319]	= settr(391,0,328,1,0,"(1)", 0, 2, 0);
	trans[2][327]	= settr(399,0,328,1,0,".(goto)", 0, 2, 0);
	trans[2][324]	= settr(396,0,331,2,0,"else", 0, 2, 0);
	trans[2][325]	= settr(397,0,331,1,0,"goto :b11", 0, 2, 0); /* m: 331 -> 0,335 */
	reached2[331] = 1;
	trans[2][330]	= settr(402,0,331,1,0,"break", 0, 2, 0);
	trans[2][331]	= settr(403,0,335,127,127,"v = 0", 0, 2, 0); /* m: 332 -> 0,335 */
	reached2[332] = 1;
	trans[2][332]	= settr(0,0,0,0,0,"di = 0",0,0,0);
	trans[2][333]	= settr(0,0,0,0,0,"pe = 0",0,0,0);
	trans[2][337]	= settr(409,0,338,1,0,"break", 0, 2, 0);
	trans[2][338]	= settr(410,0,339,128,128,"owner_done[o] = 1", 1, 2, 0);
	trans[2][339]	= settr(411,0,0,129,129,"-end-", 0, 3500, 0);

	/* proctype 1: remote */

	trans[1] = (Trans **) emalloc(46*sizeof(Trans *));

	trans[1][42]	= settr(69,0,41,1,0,".(goto)", 0, 2, 0);
	T = trans[1][41] = settr(68,0,0,0,0,"DO", 0, 2, 0);
	T = T->nxt	= settr(68,0,1,0,0,"DO", 0, 2, 0);
	    T->nxt	= settr(68,0,39,0,0,"DO", 0, 2, 0);
	trans[1][1]	= settr(28,0,3,130,0,"((i<=2))", 0, 2, 0);
	T = trans[ 1][3] = settr(30,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(30,0,2,0,0,"sub-sequence", 0, 2, 0);
	trans[1][2]	= settr(29,0,37,131,131,"mem[(8+o)] = i", 1, 2, 0);
	T = trans[ 1][37] = settr(64,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(64,0,5,0,0,"sub-sequence", 0, 2, 0);
	T = trans[ 1][5] = settr(32,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(32,0,4,0,0,"sub-sequence", 0, 2, 0);
	trans[1][4]	= settr(31,0,7,1,0,"(1)", 0, 2, 0);
	T = trans[ 1][7] = settr(34,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(34,0,6,0,0,"sub-sequence", 0, 2, 0);
	trans[1][6]	= settr(33,0,8,132,132,"mem[((4*o)+2)] = 1", 1, 2, 0);
	trans[1][8]	= settr(35,0,10,1,0,"(1)", 0, 2, 0);
	T = trans[ 1][10] = settr(37,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(37,0,9,0,0,"sub-sequence", 0, 2, 0);
	trans[1][9]	= settr(36,0,12,133,133,"en = mem[(4*o)]", 1, 2, 0);
	T = trans[ 1][12] = settr(39,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(39,0,11,0,0,"sub-sequence", 0, 2, 0);
	trans[1][11]	= settr(38,0,14,134,134,"pe = mem[((4*o)+1)]", 1, 2, 0);
	T = trans[ 1][14] = settr(41,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(41,0,13,0,0,"sub-sequence", 0, 2, 0);
	trans[1][13]	= settr(40,0,32,135,135,"wa = mem[((4*o)+3)]", 1, 2, 0);
	T = trans[1][32] = settr(59,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(59,0,15,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(59,0,30,0,0,"IF", 0, 2, 0);
	trans[1][15]	= settr(42,0,17,136,136,"(((en==1)&&(pe==0)))", 0, 2, 0);
	T = trans[ 1][17] = settr(44,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(44,0,16,0,0,"sub-sequence", 0, 2, 0);
	trans[1][16]	= settr(43,0,18,137,137,"mem[((4*o)+1)] = 1", 1, 2, 0);
	trans[1][18]	= settr(45,0,27,138,138,"wake = 1", 0, 2, 0);
	T = trans[1][27] = settr(54,0,0,0,0,"IF", 0, 2, 0);
	T = T->nxt	= settr(54,0,19,0,0,"IF", 0, 2, 0);
	    T->nxt	= settr(54,0,25,0,0,"IF", 0, 2, 0);
	trans[1][19]	= settr(46,0,20,139,139,"(wake)", 0, 2, 0);
	trans[1][20]	= settr(47,0,21,140,140,"notes[o] = (notes[o]+1)", 1, 2, 0);
	trans[1][21]	= settr(48,0,24,141,0,"assert((notes[o]<=(clears[o]+1)))", 1, 2, 0);
	T = trans[ 1][24] = settr(51,0,0,0,0,"sub-sequence", 0, 2, 0);
	T->nxt	= settr(51,0,22,0,0,"sub-sequence", 0, 2, 0);
	trans[1][22]	= settr(49,0,23,1,0,"(1)", 0, 2, 0);
	trans[1][23]	= settr(50,0,29,142,142,"asleep[o] = 0", 1, 2, 0);
	trans[1][28]	= settr(55,0,29,1,0,".(goto)", 0, 2, 0); /* m: 29 -> 0,41 */
	reached1[29] = 1;
	trans[1][25]	= settr(52,0,26,2,0,"else", 0, 2, 0);
	trans[1][26]	= settr(53,0,41,143,143,"(1)", 0, 2, 0); /* m: 29 -> 41,0 */
	reached1[29] = 1;
	trans[1][29]	= settr(56,0,41,144,144,"wake = 0", 0, 2, 0); /* m: 34 -> 0,41 */
	reached1[34] = 1;
	trans[1][33]	= settr(60,0,34,1,0,".(goto)", 0, 2, 0); /* m: 34 -> 0,41 */
	reached1[34] = 1;
	trans[1][30]	= settr(57,0,31,2,0,"else", 0, 2, 0);
	trans[1][31]	= settr(58,0,41,145,145,"(1)", 0, 2, 0); /* m: 34 -> 41,0 */
	reached1[34] = 1;
	trans[1][34]	= settr(61,0,41,146,146,"en = 0", 0, 2, 0); /* m: 35 -> 0,41 */
	reached1[35] = 1;
	trans[1][35]	= settr(0,0,0,0,0,"pe = 0",0,0,0);
	trans[1][36]	= settr(0,0,0,0,0,"wa = 0",0,0,0);
	trans[1][38]	= settr(0,0,0,0,0,"i = (i+1)",0,0,0);
	trans[1][39]	= settr(66,0,44,2,0,"else", 0, 2, 0);
	trans[1][40]	= settr(67,0,44,1,0,"goto :b2", 0, 2, 0);
	trans[1][43]	= settr(70,0,44,1,0,"break", 0, 2, 0);
	trans[1][44]	= settr(71,0,45,147,147,"remote_done[o] = 1", 1, 2, 0);
	trans[1][45]	= settr(72,0,0,148,148,"-end-", 0, 3500, 0);

	/* proctype 0: flusher */

	trans[0] = (Trans **) emalloc(29*sizeof(Trans *));

	trans[0][26]	= settr(25,0,25,1,0,".(goto)", 0, 2, 0);
	T = trans[0][25] = settr(24,0,0,0,0,"DO", 0, 2, 0);
	    T->nxt	= settr(24,0,24,0,0,"DO", 0, 2, 0);
	T = trans[ 0][24] = settr(23,2,0,0,0,"ATOMIC", 1, 2, 0);
	T->nxt	= settr(23,2,1,0,0,"ATOMIC", 1, 2, 0);
	trans[0][1]	= settr(0,2,12,149,149,"((sb_n[t]>0))", 1, 2, 0); /* m: 2 -> 12,0 */
	reached0[2] = 1;
	trans[0][2]	= settr(0,0,0,0,0,"i = 0",0,0,0);
	trans[0][3]	= settr(0,0,0,0,0,"mem[sb_a[((t*4)+i)]] = sb_v[((t*4)+i)]",0,0,0);
	trans[0][4]	= settr(0,0,0,0,0,"j = i",0,0,0);
	trans[0][13]	= settr(12,2,12,1,0,".(goto)", 1, 2, 0);
	T = trans[0][12] = settr(11,2,0,0,0,"DO", 1, 2, 0);
	T = T->nxt	= settr(11,2,5,0,0,"DO", 1, 2, 0);
	    T->nxt	= settr(11,2,10,0,0,"DO", 1, 2, 0);
	trans[0][5]	= settr(4,2,12,150,150,"(((j+1)<sb_n[t]))", 1, 2, 0); /* m: 6 -> 12,0 */
	reached0[6] = 1;
	trans[0][6]	= settr(0,0,0,0,0,"sb_a[((t*4)+j)] = sb_a[(((t*4)+j)+1)]",0,0,0);
	trans[0][7]	= settr(0,0,0,0,0,"sb_v[((t*4)+j)] = sb_v[(((t*4)+j)+1)]",0,0,0);
	trans[0][8]	= settr(0,0,0,0,0,"sb_e[((t*4)+j)] = sb_e[(((t*4)+j)+1)]",0,0,0);
	trans[0][9]	= settr(0,0,0,0,0,"j = (j+1)",0,0,0);
	trans[0][10]	= settr(9,2,15,2,0,"else", 1, 2, 0);
	trans[0][11]	= settr(10,2,15,1,0,"goto :b1", 1, 2, 0); /* m: 15 -> 0,20 */
	reached0[15] = 1;
	trans[0][14]	= settr(13,2,15,1,0,"break", 1, 2, 0);
	trans[0][15]	= settr(14,2,20,151,151,"sb_n[t] = (sb_n[t]-1)", 1, 2, 0);
	T = trans[0][20] = settr(19,2,0,0,0,"IF", 1, 2, 0);
	T = T->nxt	= settr(19,2,16,0,0,"IF", 1, 2, 0);
	    T->nxt	= settr(19,2,18,0,0,"IF", 1, 2, 0);
	trans[0][16]	= settr(15,0,25,152,152,"((sb_n[t]==0))", 1, 2, 0); /* m: 17 -> 25,0 */
	reached0[17] = 1;
	trans[0][17]	= settr(0,0,0,0,0,"ep[t] = 0",0,0,0);
	trans[0][21]	= settr(20,2,22,1,0,".(goto)", 1, 2, 0); /* m: 22 -> 0,25 */
	reached0[22] = 1;
	trans[0][18]	= settr(17,2,19,2,0,"else", 1, 2, 0);
	trans[0][19]	= settr(18,0,25,153,153,"(1)", 1, 2, 0); /* m: 22 -> 25,0 */
	reached0[22] = 1;
	trans[0][22]	= settr(21,0,25,154,154,"i = 0", 1, 2, 0); /* m: 23 -> 0,25 */
	reached0[23] = 1;
	trans[0][23]	= settr(0,0,0,0,0,"j = 0",0,0,0);
	trans[0][27]	= settr(26,0,28,1,0,"break", 0, 2, 0);
	trans[0][28]	= settr(27,0,0,155,155,"-end-", 0, 3500, 0);
	/* np_ demon: */
	trans[_NP_] = (Trans **) emalloc(3*sizeof(Trans *));
	T = trans[_NP_][0] = settr(9997,0,1,_T5,0,"(np_)", 1,2,0);
	    T->nxt	  = settr(9998,0,0,_T2,0,"(1)",   0,2,0);
	T = trans[_NP_][1] = settr(9999,0,1,_T5,0,"(np_)", 1,2,0);
}

Trans *
settr(	int t_id, int a, int b, int c, int d,
	char *t, int g, int tpe0, int tpe1)
{	Trans *tmp = (Trans *) emalloc(sizeof(Trans));

	tmp->atom  = a&(6|32);	/* only (2|8|32) have meaning */
	if (!g) tmp->atom |= 8;	/* no global references */
	tmp->st    = b;
	tmp->tpe[0] = tpe0;
	tmp->tpe[1] = tpe1;
	tmp->tp    = t;
	tmp->t_id  = t_id;
	tmp->forw  = c;
	tmp->back  = d;
	return tmp;
}

Trans *
cpytr(Trans *a)
{	Trans *tmp = (Trans *) emalloc(sizeof(Trans));

	int i;
	tmp->atom  = a->atom;
	tmp->st    = a->st;
#ifdef HAS_UNLESS
	tmp->e_trans = a->e_trans;
	for (i = 0; i < HAS_UNLESS; i++)
		tmp->escp[i] = a->escp[i];
#endif
	tmp->tpe[0] = a->tpe[0];
	tmp->tpe[1] = a->tpe[1];
	for (i = 0; i < 6; i++)
	{	tmp->qu[i] = a->qu[i];
		tmp->ty[i] = a->ty[i];
	}
	tmp->tp    = (char *) emalloc(strlen(a->tp)+1);
	strcpy(tmp->tp, a->tp);
	tmp->t_id  = a->t_id;
	tmp->forw  = a->forw;
	tmp->back  = a->back;
	return tmp;
}

#ifndef NOREDUCE
int
srinc_set(int n)
{	if (n <= 2) return LOCAL;
	if (n <= 2+  DELTA) return Q_FULL_F; /* 's' or nfull  */
	if (n <= 2+2*DELTA) return Q_EMPT_F; /* 'r' or nempty */
	if (n <= 2+3*DELTA) return Q_EMPT_T; /* empty */
	if (n <= 2+4*DELTA) return Q_FULL_T; /* full  */
	if (n ==   5*DELTA) return GLOBAL;
	if (n ==   6*DELTA) return TIMEOUT_F;
	if (n ==   7*DELTA) return ALPHA_F;
	Uerror("cannot happen srinc_class");
	return BAD;
}
int
srunc(int n, int m)
{	switch(m) {
	case Q_FULL_F: return n-2;
	case Q_EMPT_F: return n-2-DELTA;
	case Q_EMPT_T: return n-2-2*DELTA;
	case Q_FULL_T: return n-2-3*DELTA;
	case ALPHA_F:
	case TIMEOUT_F: return 257; /* non-zero, and > MAXQ */
	}
	Uerror("cannot happen srunc");
	return 0;
}
#endif
int cnt;
#ifdef HAS_UNLESS
int
isthere(Trans *a, int b)
{	Trans *t;
	for (t = a; t; t = t->nxt)
		if (t->t_id == b)
			return 1;
	return 0;
}
#endif
#ifndef NOREDUCE
int
mark_safety(Trans *t) /* for conditional safety */
{	int g = 0, i, j, k;

	if (!t) return 0;
	if (t->qu[0])
		return (t->qu[1])?2:1;	/* marked */

	for (i = 0; i < 2; i++)
	{	j = srinc_set(t->tpe[i]);
		if (j >= GLOBAL && j != ALPHA_F)
			return -1;
		if (j != LOCAL)
		{	k = srunc(t->tpe[i], j);
			if (g == 0
			||  t->qu[0] != k
			||  t->ty[0] != j)
			{	t->qu[g] = k;
				t->ty[g] = j;
				g++;
	}	}	}
	return g;
}
#endif
void
retrans(int n, int m, int is, short srcln[], uchar reach[], uchar lpstate[])
	/* process n, with m states, is=initial state */
{	Trans *T0, *T1, *T2, *T3;
	Trans *T4, *T5; /* t_reverse or has_unless */
	int i;
#if defined(HAS_UNLESS) || !defined(NOREDUCE)
	int k;
#endif
#ifndef NOREDUCE
	int g, h, j, aa;
#endif
#ifdef HAS_UNLESS
	int p;
#endif
	if (state_tables >= 4)
	{	printf("STEP 1 %s\n", 
			procname[n]);
		for (i = 1; i < m; i++)
		for (T0 = trans[n][i]; T0; T0 = T0->nxt)
			crack(n, i, T0, srcln);
		return;
	}
	do {
		for (i = 1, cnt = 0; i < m; i++)
		{	T2 = trans[n][i];
			T1 = T2?T2->nxt:(Trans *)0;
/* prescan: */		for (T0 = T1; T0; T0 = T0->nxt)
/* choice in choice */	{	if (T0->st && trans[n][T0->st]
				&&  trans[n][T0->st]->nxt)
					break;
			}
#if 0
		if (T0)
		printf("\tstate %d / %d: choice in choice\n",
		i, T0->st);
#endif
			if (T0)
			for (T0 = T1; T0; T0 = T0->nxt)
			{	T3 = trans[n][T0->st];
				if (!T3->nxt)
				{	T2->nxt = cpytr(T0);
					T2 = T2->nxt;
					imed(T2, T0->st, n, i);
					continue;
				}
				do {	T3 = T3->nxt;
					T2->nxt = cpytr(T3);
					T2 = T2->nxt;
					imed(T2, T0->st, n, i);
				} while (T3->nxt);
				cnt++;
			}
		}
	} while (cnt);
	if (state_tables >= 3)
	{	printf("STEP 2 %s\n", 
			procname[n]);
		for (i = 1; i < m; i++)
		for (T0 = trans[n][i]; T0; T0 = T0->nxt)
			crack(n, i, T0, srcln);
		return;
	}
	for (i = 1; i < m; i++)
	{	if (trans[n][i] && trans[n][i]->nxt) /* optimize */
		{	T1 = trans[n][i]->nxt;
#if 0
			printf("\t\tpull %d (%d) to %d\n",
			T1->st, T1->forw, i);
#endif
			srcln[i] = srcln[T1->st];	/* Oyvind Teig, 5.2.0 */

			if (!trans[n][T1->st]) continue;
			T0 = cpytr(trans[n][T1->st]);
			trans[n][i] = T0;
			reach[T1->st] = 1;
			imed(T0, T1->st, n, i);
			for (T1 = T1->nxt; T1; T1 = T1->nxt)
			{
#if 0
			printf("\t\tpull %d (%d) to %d\n",
				T1->st, T1->forw, i);
#endif
		/*		srcln[i] = srcln[T1->st];  gh: not useful */
				if (!trans[n][T1->st]) continue;
				T0->nxt = cpytr(trans[n][T1->st]);
				T0 = T0->nxt;
				reach[T1->st] = 1;
				imed(T0, T1->st, n, i);
	}	}	}
	if (state_tables >= 2)
	{	printf("STEP 3 %s\n", 
			procname[n]);
		for (i = 1; i < m; i++)
		for (T0 = trans[n][i]; T0; T0 = T0->nxt)
			crack(n, i, T0, srcln);
		return;
	}
#ifdef HAS_UNLESS
	for (i = 1; i < m; i++)
	{	if (!trans[n][i]) continue;
		/* check for each state i if an
		 * escape to some state p is defined
		 * if so, copy and mark p's transitions
		 * and prepend them to the transition-
		 * list of state i
		 */
	 if (!like_java) /* the default */
	 {	for (T0 = trans[n][i]; T0; T0 = T0->nxt)
		for (k = HAS_UNLESS-1; k >= 0; k--)
		{	if (p = T0->escp[k])
			for (T1 = trans[n][p]; T1; T1 = T1->nxt)
			{	if (isthere(trans[n][i], T1->t_id))
					continue;
				T2 = cpytr(T1);
				T2->e_trans = p;
				T2->nxt = trans[n][i];
				trans[n][i] = T2;
		}	}
	 } else /* outermost unless checked first */
	 {	T4 = T3 = (Trans *) 0;
		for (T0 = trans[n][i]; T0; T0 = T0->nxt)
		for (k = HAS_UNLESS-1; k >= 0; k--)
		{	if (p = T0->escp[k])
			for (T1 = trans[n][p]; T1; T1 = T1->nxt)
			{	if (isthere(trans[n][i], T1->t_id))
					continue;
				T2 = cpytr(T1);
				T2->nxt = (Trans *) 0;
				T2->e_trans = p;
				if (T3)	T3->nxt = T2;
				else	T4 = T2;
				T3 = T2;
		}	}
		if (T4)
		{	T3->nxt = trans[n][i];
			trans[n][i] = T4;
		}
	 }
	}
#endif
#ifndef NOREDUCE
	for (i = 1; i < m; i++)
	{	if (a_cycles)
		{ /* moves through these states are visible */
	#if PROG_LAB>0 && defined(HAS_NP)
			if (progstate[n][i])
				goto degrade;
			for (T1 = trans[n][i]; T1; T1 = T1->nxt)
				if (progstate[n][T1->st])
					goto degrade;
	#endif
			if (accpstate[n][i] || visstate[n][i])
				goto degrade;
			for (T1 = trans[n][i]; T1; T1 = T1->nxt)
				if (accpstate[n][T1->st])
					goto degrade;
		}
		T1 = trans[n][i];
		if (!T1) continue;
		g = mark_safety(T1);	/* V3.3.1 */
		if (g < 0) goto degrade; /* global */
		/* check if mixing of guards preserves reduction */
		if (T1->nxt)
		{	k = 0;
			for (T0 = T1; T0; T0 = T0->nxt)
			{	if (!(T0->atom&8))
					goto degrade;
				for (aa = 0; aa < 2; aa++)
				{	j = srinc_set(T0->tpe[aa]);
					if (j >= GLOBAL && j != ALPHA_F)
						goto degrade;
					if (T0->tpe[aa]
					&&  T0->tpe[aa]
					!=  T1->tpe[0])
						k = 1;
			}	}
			/* g = 0;	V3.3.1 */
			if (k)	/* non-uniform selection */
			for (T0 = T1; T0; T0 = T0->nxt)
			for (aa = 0; aa < 2; aa++)
			{	j = srinc_set(T0->tpe[aa]);
				if (j != LOCAL)
				{	k = srunc(T0->tpe[aa], j);
					for (h = 0; h < 6; h++)
						if (T1->qu[h] == k
						&&  T1->ty[h] == j)
							break;
					if (h >= 6)
					{	T1->qu[g%6] = k;
						T1->ty[g%6] = j;
						g++;
			}	}	}
			if (g > 6)
			{	T1->qu[0] = 0;	/* turn it off */
				printf("pan: warning, line %d, ",
					srcln[i]);
			 	printf("too many stmnt types (%d)",
					g);
			  	printf(" in selection\n");
			  goto degrade;
			}
		}
		/* mark all options global if >=1 is global */
		for (T1 = trans[n][i]; T1; T1 = T1->nxt)
			if (!(T1->atom&8)) break;
		if (T1)
degrade:	for (T1 = trans[n][i]; T1; T1 = T1->nxt)
			T1->atom &= ~8;	/* mark as unsafe */
		/* can only mix 'r's or 's's if on same chan */
		/* and not mixed with other local operations */
		T1 = trans[n][i];
		if (!T1 || T1->qu[0]) continue;
		j = T1->tpe[0];
		if (T1->nxt && T1->atom&8)
		{ if (j == 5*DELTA)
		  {	printf("warning: line %d ", srcln[i]);
			printf("mixed condition ");
			printf("(defeats reduction)\n");
			goto degrade;
		  }
		  for (T0 = T1; T0; T0 = T0->nxt)
		  for (aa = 0; aa < 2; aa++)
		  if  (T0->tpe[aa] && T0->tpe[aa] != j)
		  {	printf("warning: line %d ", srcln[i]);
			printf("[%d-%d] mixed %stion ",
				T0->tpe[aa], j, 
				(j==5*DELTA)?"condi":"selec");
			printf("(defeats reduction)\n");
			printf("	'%s' <-> '%s'\n",
				T1->tp, T0->tp);
			goto degrade;
		} }
	}
#endif
	for (i = 1; i < m; i++)
	{	T2 = trans[n][i];
		if (!T2
		||  T2->nxt
		||  strncmp(T2->tp, ".(goto)", 7)
		||  !stopstate[n][i])
			continue;
		stopstate[n][T2->st] = 1;
	}
	if (state_tables && !verbose)
	{	if (dodot)
		{	char buf[256], *q = buf, *p = procname[n];
			while (*p != '\0')
			{	if (*p != ':')
				{	*q++ = *p;
				}
				p++;
			}
			*q = '\0';
			printf("digraph ");
			switch (Btypes[n]) {
			case I_PROC:  printf("init {\n"); break;
			case N_CLAIM: printf("claim_%s {\n", buf); break;
			case E_TRACE: printf("notrace {\n"); break;
			case N_TRACE: printf("trace {\n"); break;
			default:      printf("p_%s {\n", buf); break;
			}
			printf("size=\"8,10\";\n");
			printf("  GT [shape=box,style=dotted,label=\"%s\"];\n", buf);
			printf("  GT -> S%d;\n", is);
		} else
		{	switch (Btypes[n]) {
			case I_PROC:  printf("init\n"); break;
			case N_CLAIM: printf("claim %s\n", procname[n]); break;
			case E_TRACE: printf("notrace assertion\n"); break;
			case N_TRACE: printf("trace assertion\n"); break;
			default:      printf("proctype %s\n", procname[n]); break;
		}	}
		for (i = 1; i < m; i++)
		{	reach[i] = 1;
		}
		tagtable(n, m, is, srcln, reach);
		if (dodot) printf("}\n");
	} else
	for (i = 1; i < m; i++)
	{	int nrelse;
		if (Btypes[n] != N_CLAIM)
		{	for (T0 = trans[n][i]; T0; T0 = T0->nxt)
			{	if (T0->st == i
				&& strcmp(T0->tp, "(1)") == 0)
				{	printf("error: proctype '%s' ",
						procname[n]);
		  			printf("line %d, state %d: has un",
						srcln[i], i);
					printf("conditional self-loop\n");
					pan_exit(1);
		}	}	}
		nrelse = 0;
		for (T0 = trans[n][i]; T0; T0 = T0->nxt)
		{	if (strcmp(T0->tp, "else") == 0)
				nrelse++;
		}
		if (nrelse > 1)
		{	printf("error: proctype '%s' state",
				procname[n]);
		  	printf(" %d, inherits %d", i, nrelse);
		  	printf(" 'else' stmnts\n");
			pan_exit(1);
	}	}
#if !defined(LOOPSTATE) && !defined(BFS_PAR)
	if (state_tables)
#endif
	do_dfs(n, m, is, srcln, reach, lpstate);

	if (!t_reverse)
	{	return;
	}
	/* process n, with m states, is=initial state -- reverse list */
	if (!state_tables && Btypes[n] != N_CLAIM)
	{	for (i = 1; i < m; i++)
		{	Trans *Tx = (Trans *) 0; /* list of escapes */
			Trans *Ty = (Trans *) 0; /* its tail element */
			T1 = (Trans *) 0; /* reversed list */
			T2 = (Trans *) 0; /* its tail */
			T3 = (Trans *) 0; /* remembers possible 'else' */

			/* find unless-escapes, they should go first */
			T4 = T5 = T0 = trans[n][i];
	#ifdef HAS_UNLESS
			while (T4 && T4->e_trans) /* escapes are first in orig list */
			{	T5 = T4;	  /* remember predecessor */
				T4 = T4->nxt;
			}
	#endif
			/* T4 points to first non-escape, T5 to its parent, T0 to original list */
			if (T4 != T0)		 /* there was at least one escape */
			{	T3 = T5->nxt;		 /* start of non-escapes */
				T5->nxt = (Trans *) 0;	 /* separate */
				Tx = T0;		 /* start of the escapes */
				Ty = T5;		 /* its tail */
				T0 = T3;		 /* the rest, to be reversed */
			}
			/* T0 points to first non-escape, Tx to the list of escapes, Ty to its tail */

			/* first tail-add non-escape transitions, reversed */
			T3 = (Trans *) 0;
			for (T5 = T0; T5; T5 = T4)
			{	T4 = T5->nxt;
	#ifdef HAS_UNLESS
				if (T5->e_trans)
				{	printf("error: cannot happen!\n");
					continue;
				}
	#endif
				if (strcmp(T5->tp, "else") == 0)
				{	T3 = T5;
					T5->nxt = (Trans *) 0;
				} else
				{	T5->nxt = T1;
					if (!T1) { T2 = T5; }
					T1 = T5;
			}	}
			/* T3 points to a possible else, which is removed from the list */
			/* T1 points to the reversed list so far (without escapes) */
			/* T2 points to the tail element -- where the else should go */
			if (T2 && T3)
			{	T2->nxt = T3;	/* add else */
			} else
			{	if (T3) /* there was an else, but there's no tail */
				{	if (!T1)	/* and no reversed list */
					{	T1 = T3; /* odd, but possible */
					} else		/* even stranger */
					{	T1->nxt = T3;
			}	}	}

			/* add in the escapes, to that they appear at the front */
			if (Tx && Ty) { Ty->nxt = T1; T1 = Tx; }

			trans[n][i] = T1;
			/* reversed, with escapes first and else last */
	}	}
	if (state_tables && verbose)
	{	printf("FINAL proctype %s\n", 
			procname[n]);
		for (i = 1; i < m; i++)
		for (T0 = trans[n][i]; T0; T0 = T0->nxt)
			crack(n, i, T0, srcln);
	}
}
void
imed(Trans *T, int v, int n, int j)	/* set intermediate state */
{	progstate[n][T->st] |= progstate[n][v];
	accpstate[n][T->st] |= accpstate[n][v];
	stopstate[n][T->st] |= stopstate[n][v];
	mapstate[n][j] = T->st;
}
void
tagtable(int n, int m, int is, short srcln[], uchar reach[])
{	Trans *z;

	if (is >= m || !trans[n][is]
	||  is <= 0 || reach[is] == 0)
		return;
	reach[is] = 0;
	if (state_tables)
	for (z = trans[n][is]; z; z = z->nxt)
	{	if (dodot)
			dot_crack(n, is, z);
		else
			crack(n, is, z, srcln);
	}

	for (z = trans[n][is]; z; z = z->nxt)
	{
#ifdef HAS_UNLESS
		int i, j;
#endif
		tagtable(n, m, z->st, srcln, reach);
#ifdef HAS_UNLESS
		for (i = 0; i < HAS_UNLESS; i++)
		{	j = trans[n][is]->escp[i];
			if (!j) break;
			tagtable(n, m, j, srcln, reach);
		}
#endif
	}
}

extern Trans *t_id_lkup[];

void
dfs_table(int n, int m, int is, short srcln[], uchar reach[], uchar lpstate[])
{	Trans *z;

	if (is >= m || is <= 0 || !trans[n][is])
		return;
	if ((reach[is] & (4|8|16)) != 0)
	{	if ((reach[is] & (8|16)) == 16)	/* on stack, not yet recorded */
		{	lpstate[is] = 1;
			reach[is] |= 8; /* recorded */
			if (state_tables && verbose)
			{	printf("state %d line %d is a loopstate\n", is, srcln[is]);
		}	}
		return;
	}
	reach[is] |= (4|16);	/* visited | onstack */
	for (z = trans[n][is]; z; z = z->nxt)
	{	t_id_lkup[z->t_id] = z;
#ifdef HAS_UNLESS
		int i, j;
#endif
		dfs_table(n, m, z->st, srcln, reach, lpstate);
#ifdef HAS_UNLESS
		for (i = 0; i < HAS_UNLESS; i++)
		{	j = trans[n][is]->escp[i];
			if (!j) break;
			dfs_table(n, m, j, srcln, reach, lpstate);
		}
#endif
	}
	reach[is] &= ~16; /* no longer on stack */
}
void
do_dfs(int n, int m, int is, short srcln[], uchar reach[], uchar lpstate[])
{	int i;
	dfs_table(n, m, is, srcln, reach, lpstate);
	for (i = 0; i < m; i++)
		reach[i] &= ~(4|8|16);
}
void
crack(int n, int j, Trans *z, short srcln[])
{	int i;

	if (!z) return;
	printf("	state %3d -(tr %3d)-> state %3d  ",
		j, z->forw, z->st);
	printf("[id %3d tp %3d", z->t_id, z->tpe[0]);
	if (z->tpe[1]) printf(",%d", z->tpe[1]);
#ifdef HAS_UNLESS
	if (z->e_trans)
		printf(" org %3d", z->e_trans);
	else if (state_tables >= 2)
	for (i = 0; i < HAS_UNLESS; i++)
	{	if (!z->escp[i]) break;
		printf(" esc %d", z->escp[i]);
	}
#endif
	printf("]");
	printf(" [%s%s%s%s%s] %s:%d => ",
		z->atom&6?"A":z->atom&32?"D":"-",
		accpstate[n][j]?"a" :"-",
		stopstate[n][j]?"e" : "-",
		progstate[n][j]?"p" : "-",
		z->atom & 8 ?"L":"G",
		PanSource, srcln[j]);
	for (i = 0; z->tp[i]; i++)
		if (z->tp[i] == '\n')
			printf("\\n");
		else
			putchar(z->tp[i]);
	if (verbose && z->qu[0])
	{	printf("\t[");
		for (i = 0; i < 6; i++)
			if (z->qu[i])
				printf("(%d,%d)",
				z->qu[i], z->ty[i]);
		printf("]");
	}
	printf("\n");
	fflush(stdout);
}
/* spin -a m.pml; cc -o pan pan.c; ./pan -D | dot -Tps > foo.ps; ps2pdf foo.ps */
void
dot_crack(int n, int j, Trans *z)
{	int i;

	if (!z) return;
	printf("	S%d -> S%d  [color=black", j, z->st);

	if (z->atom&6) printf(",style=dashed");
	else if (z->atom&32) printf(",style=dotted");
	else if (z->atom&8) printf(",style=solid");
	else printf(",style=bold");

	printf(",label=\"");
	for (i = 0; z->tp[i]; i++)
	{	if (z->tp[i] == '\\'
		&&  z->tp[i+1] == 'n')
		{	i++; printf(" ");
		} else
		{	putchar(z->tp[i]);
	}	}
	printf("\"];\n");
	if (accpstate[n][j]) printf("  S%d [color=red,style=bold];\n", j);
	else if (progstate[n][j]) printf("  S%d [color=green,style=bold];\n", j);
	if (stopstate[n][j]) printf("  S%d [color=blue,style=bold,shape=box];\n", j);
}

#ifdef VAR_RANGES
#define BYTESIZE	32	/* 2^8 : 2^3 = 256:8 = 32 */

typedef struct Vr_Ptr {
	char	*nm;
	uchar	vals[BYTESIZE];
	struct Vr_Ptr *nxt;
} Vr_Ptr;
Vr_Ptr *ranges = (Vr_Ptr *) 0;

void
logval(char *s, int v)
{	Vr_Ptr *tmp;

	if (v<0 || v > 255) return;
	for (tmp = ranges; tmp; tmp = tmp->nxt)
		if (!strcmp(tmp->nm, s))
			goto found;
	tmp = (Vr_Ptr *) emalloc(sizeof(Vr_Ptr));
	tmp->nxt = ranges;
	ranges = tmp;
	tmp->nm = s;
found:
	tmp->vals[(v)/8] |= 1<<((v)%8);
}

void
dumpval(uchar X[], int range)
{	int w, x, i, j = -1;

	for (w = i = 0; w < range; w++)
	for (x = 0; x < 8; x++, i++)
	{
from:		if ((X[w] & (1<<x)))
		{	printf("%d", i);
			j = i;
			goto upto;
	}	}
	return;
	for (w = 0; w < range; w++)
	for (x = 0; x < 8; x++, i++)
	{
upto:		if (!(X[w] & (1<<x)))
		{	if (i-1 == j)
				printf(", ");
			else
				printf("-%d, ", i-1);
			goto from;
	}	}
	if (j >= 0 && j != 255)
		printf("-255");
}

void
dumpranges(void)
{	Vr_Ptr *tmp;
	printf("\nValues assigned within ");
	printf("interval [0..255]:\n");
	for (tmp = ranges; tmp; tmp = tmp->nxt)
	{	printf("\t%s\t: ", tmp->nm);
		dumpval(tmp->vals, BYTESIZE);
		printf("\n");
	}
}
#endif
