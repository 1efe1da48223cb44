; WorldCoder: the rule of `next.agent.x` (agent field 'x') from 50 examples (116 distinct rows seen, 0 conflicting rows dropped)
; helpers with no SyGuS form (they read the objects or the mission and take parameters): wall_at, box_at, target_at, solid, ahead_at
(set-logic ALL)
(declare-datatype Kind ((Kind.wall) (Kind.box) (Kind.target)))
(declare-datatype Action ((Action.up) (Action.down) (Action.left) (Action.right)))
(define-fun dx ((d Int)) Int
  (ite (= d 0) 1 (ite (= d 2) (- 1) 0)))
(define-fun dy ((d Int)) Int
  (ite (= d 1) 1 (ite (= d 3) (- 1) 0)))
(define-fun front_x ((x Int) (d Int)) Int
  (+ x (dx d)))
(define-fun front_y ((y Int) (d Int)) Int
  (+ y (dy d)))
(define-fun turn_left ((d Int)) Int
  (mod (+ d 3) 4))
(define-fun turn_right ((d Int)) Int
  (mod (+ d 1) 4))
(define-fun opposite ((d Int)) Int
  (mod (+ d 2) 4))
(define-fun same_cell ((x1 Int) (y1 Int) (x2 Int) (y2 Int)) Bool
  (and (= x1 x2) (= y1 y2)))
(define-fun manhattan ((x1 Int) (y1 Int) (x2 Int) (y2 Int)) Int
  (+ (abs (- x1 x2)) (abs (- y1 y2))))
(define-fun chebyshev ((x1 Int) (y1 Int) (x2 Int) (y2 Int)) Int
  (ite (>= (abs (- x1 x2)) (abs (- y1 y2))) (abs (- x1 x2)) (abs (- y1 y2))))
(define-fun adjacent ((x1 Int) (y1 Int) (x2 Int) (y2 Int)) Bool
  (= (manhattan x1 y1 x2 y2) 1))
(define-fun near ((x1 Int) (y1 Int) (x2 Int) (y2 Int)) Bool
  (<= (chebyshev x1 y1 x2 y2) 1))
(define-fun clamp ((v Int) (lo Int) (hi Int)) Int
  (ite (>= lo (ite (<= hi v) hi v)) lo (ite (<= hi v) hi v)))
(define-fun sign ((v Int)) Int
  (ite (> v 0) 1 (ite (< v 0) (- 1) 0)))
(define-fun step_x ((a Action)) Int
  (ite (= a Action.up) 0 (ite (= a Action.down) 0 (ite (= a Action.left) (- 1) 1))))
(define-fun step_y ((a Action)) Int
  (ite (= a Action.up) (- 1) (ite (= a Action.down) 1 (ite (= a Action.left) 0 0))))
(define-fun ahead_x ((n Int) (action Action) (agent.x Int)) Int
  (+ agent.x (* n (step_x action))))
(define-fun ahead_y ((n Int) (action Action) (agent.y Int)) Int
  (+ agent.y (* n (step_y action))))
(define-fun beyond_x ((action Action) (agent.x Int)) Int
  (ahead_x 2 action agent.x))
(define-fun beyond_y ((action Action) (agent.y Int)) Int
  (ahead_y 2 action agent.y))
(synth-fun next.agent.x ((action Action) (agent.x Int) (agent.y Int) (boxes_on_targets.pre Int) (solved.pre Bool) (wall_ahead Bool) (box_ahead Bool) (ahead_free Bool) (beyond_free Bool) (can_push Bool)) Int
  ((Start Int) (Guard Bool) (T.Bool Bool) (T.Int Int) (T.Kind Kind) (T.Action Action))
  (
  (Start Int (T.Int (ite Guard Start Start)))
  (Guard Bool (T.Bool (and T.Bool Guard)))
  (T.Bool Bool (true false solved.pre wall_ahead box_ahead ahead_free beyond_free can_push (not T.Bool) (< T.Int T.Int) (= T.Int T.Int) (= T.Kind T.Kind) (= T.Action T.Action)))
  (T.Int Int (0 1 (- 1) agent.x agent.y boxes_on_targets.pre (dx T.Int) (dy T.Int) (front_x T.Int T.Int) (front_y T.Int T.Int) (turn_left T.Int) (turn_right T.Int) (opposite T.Int) (sign T.Int) (step_x T.Action) (step_y T.Action) (ahead_x T.Int action agent.x) (ahead_y T.Int action agent.y) (beyond_x action agent.x) (beyond_y action agent.y) (+ T.Int T.Int) (- T.Int T.Int)))
  (T.Kind Kind (Kind.wall Kind.box Kind.target))
  (T.Action Action (Action.up Action.down Action.left Action.right action))
  )
)
(constraint (= (next.agent.x Action.down 1 2 0 false false false true false false) 1))
(constraint (= (next.agent.x Action.up 1 2 0 false false false true false false) 1))
(constraint (= (next.agent.x Action.right 1 1 0 false false false true true false) 2))
(constraint (= (next.agent.x Action.right 3 1 0 false false false true false false) 4))
(constraint (= (next.agent.x Action.down 4 1 0 false false false true true false) 4))
(constraint (= (next.agent.x Action.up 4 2 0 false false false true false false) 4))
(constraint (= (next.agent.x Action.up 3 2 1 false false true false false false) 3))
(constraint (= (next.agent.x Action.left 2 3 0 false false false true false false) 1))
(constraint (= (next.agent.x Action.down 1 3 0 false false false true false false) 1))
(constraint (= (next.agent.x Action.up 1 4 0 false false false true true false) 1))
(constraint (= (next.agent.x Action.right 2 4 0 false false true false true true) 3))
(constraint (= (next.agent.x Action.up 2 2 0 false false true false false false) 2))
(constraint (= (next.agent.x Action.left 3 2 0 false false false true true false) 2))
(constraint (= (next.agent.x Action.down 4 3 0 false true false false true false) 4))
(constraint (= (next.agent.x Action.up 4 3 0 false false false true true false) 4))
(constraint (= (next.agent.x Action.left 4 1 0 false false false true false false) 3))
(constraint (= (next.agent.x Action.up 3 1 0 false true false false true false) 3))
(constraint (= (next.agent.x Action.left 3 1 0 false false true false true true) 2))
(constraint (= (next.agent.x Action.left 3 3 2 false false true false true true) 2))
(constraint (= (next.agent.x Action.right 2 2 1 false false true false true true) 3))
(constraint (= (next.agent.x Action.up 4 3 0 false false true false true true) 4))
(constraint (= (next.agent.x Action.down 4 2 0 false false false true true false) 4))
(constraint (= (next.agent.x Action.left 2 1 0 false false false true false false) 1))
(constraint (= (next.agent.x Action.up 1 1 0 false true false false true false) 1))
(constraint (= (next.agent.x Action.down 2 1 0 false false false true true false) 2))
(constraint (= (next.agent.x Action.right 1 1 0 false false true false true true) 2))
(constraint (= (next.agent.x Action.right 2 1 0 false false true false true true) 3))
(constraint (= (next.agent.x Action.down 3 3 2 false false false true false false) 3))
(constraint (= (next.agent.x Action.left 3 4 2 false false false true true false) 2))
(constraint (= (next.agent.x Action.down 3 3 1 false false false true false false) 3))
(constraint (= (next.agent.x Action.down 3 4 1 false true false false true false) 3))
(constraint (= (next.agent.x Action.right 4 3 1 false false false true false false) 5))
(constraint (= (next.agent.x Action.right 1 2 0 false false false true false false) 2))
(constraint (= (next.agent.x Action.up 2 2 0 false false false true false false) 2))
(constraint (= (next.agent.x Action.right 3 2 0 false false false true false false) 4))
(constraint (= (next.agent.x Action.left 4 2 0 false false false true false false) 3))
(constraint (= (next.agent.x Action.down 4 4 2 false true false false true false) 4))
(constraint (= (next.agent.x Action.right 4 4 2 false false false true false false) 5))
(constraint (= (next.agent.x Action.up 4 3 2 false false false true true false) 4))
(constraint (= (next.agent.x Action.left 3 3 0 false false false true true false) 2))
(constraint (= (next.agent.x Action.up 2 1 0 false true false false true false) 2))
(constraint (= (next.agent.x Action.left 2 3 0 false false true false false false) 2))
(constraint (= (next.agent.x Action.right 3 2 0 false false false true true false) 4))
(constraint (= (next.agent.x Action.left 5 1 0 false false false true false false) 4))
(constraint (= (next.agent.x Action.left 4 2 0 false false false true true false) 3))
(constraint (= (next.agent.x Action.left 2 4 1 false false false true false false) 1))
(constraint (= (next.agent.x Action.up 1 4 1 false false true false true true) 1))
(constraint (= (next.agent.x Action.right 1 3 1 false false false true true false) 2))
(constraint (= (next.agent.x Action.left 2 3 1 false false false true false false) 1))
(constraint (= (next.agent.x Action.down 3 3 0 false true false false true false) 3))
(check-synth)
